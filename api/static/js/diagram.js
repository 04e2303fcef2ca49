// The case's procedure diagram with completed steps and the waiting ones highlighted.
(async () => {
  const box = document.getElementById('diagram');
  if (!box) return;
  const state = await (await fetch(box.dataset.src)).json();
  const viewer = new BpmnJS({ container: box });
  await viewer.importXML(state.xml);
  const canvas = viewer.get('canvas');
  const registry = viewer.get('elementRegistry');
  for (const id of state.done) if (registry.get(id)) canvas.addMarker(id, 'done');
  for (const id of state.current) if (registry.get(id)) canvas.addMarker(id, 'current');
  canvas.zoom('fit-viewport');
  window.caseDiagram = { viewer, state };
  box.dataset.ready = 'true';
})();
