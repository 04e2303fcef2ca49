// The case's procedure diagram with completed steps and the waiting ones highlighted.

// Show the pool (process) holding the waiting step, or the first pool: a file holds several.
function focus(canvas, registry, elementId) {
  let pool = elementId && registry.get(elementId);
  while (pool && pool.type !== 'bpmn:Participant') pool = pool.parent;
  pool = pool || registry.filter((e) => e.type === 'bpmn:Participant')[0];
  if (!pool) { canvas.zoom('fit-viewport'); return; }
  canvas.viewbox({ x: pool.x - 20, y: pool.y - 20, width: pool.width + 40, height: pool.height + 40 });
}

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
  focus(canvas, registry, state.current[0]);
  window.caseDiagram = { viewer, state };
  box.dataset.ready = 'true';
})();
