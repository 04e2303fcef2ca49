// The case's procedure diagram: the path taken (elements passed, sequence flows taken) and the waiting
// steps marked. It opens on the waiting step at a scale whose labels can be read; the whole diagram
// is one click away ("Whole diagram"), and "Waiting step" comes back.
(async () => {
  const box = document.getElementById('diagram');
  if (!box) return;
  const state = await (await fetch(box.dataset.src)).json();
  const viewer = new BpmnJS({ container: box });
  await viewer.importXML(state.xml);
  const canvas = viewer.get('canvas');
  const registry = viewer.get('elementRegistry');
  const shown = (ids) => ids.filter((id) => registry.get(id));
  for (const id of shown(state.done)) canvas.addMarker(id, 'done');
  for (const id of shown(state.flows)) canvas.addMarker(id, 'taken');
  for (const id of shown(state.current)) canvas.addMarker(id, 'current');

  // What to look at: the first waiting element of this diagram; a finished case, where it ended;
  // else the last step recorded here.
  const ends = shown(state.done).filter((id) => registry.get(id).type === 'bpmn:EndEvent');
  const recorded = shown(state.steps.map((s) => s.element_id).filter(Boolean)).reverse();
  const focusId = shown(state.current)[0] || ends[ends.length - 1] || recorded[0];

  function showStep() {
    const element = focusId && registry.get(focusId);
    if (!element) { showWhole(); return; }
    const scale = box.clientWidth < 600 ? 0.85 : 1; // the labels' own size: readable on a phone too
    const width = box.clientWidth / scale;
    const height = box.clientHeight / scale;
    canvas.viewbox({ x: element.x + element.width / 2 - width / 2, y: element.y + element.height / 2 - height / 2,
      width, height });
  }
  function showWhole() {
    canvas.zoom('fit-viewport', 'auto');
  }
  const views = document.querySelector('.diagram-views');
  const stepButton = document.getElementById('diagram-step');
  const wholeButton = document.getElementById('diagram-whole');
  function choose(whole) {
    if (whole) showWhole(); else showStep();
    stepButton.setAttribute('aria-pressed', String(!whole));
    wholeButton.setAttribute('aria-pressed', String(whole));
    box.dataset.view = whole ? 'whole' : 'step';
  }
  if (views) {
    views.hidden = !focusId;
    stepButton.addEventListener('click', () => choose(false));
    wholeButton.addEventListener('click', () => choose(true));
  }
  choose(!focusId);
  window.caseDiagram = { viewer, state, focusId, choose };
  box.dataset.ready = 'true';
})();
