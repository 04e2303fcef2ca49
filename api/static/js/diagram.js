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
  const recorded = shown(state.steps.map((s) => s.element_id).filter(Boolean)).reverse();
  const focusId = shown(state.current)[0] || shown([state.end].filter(Boolean))[0] || recorded[0];

  // The step at the labels' own size (a little smaller on a phone), right of the middle so the path
  // that led to it shows, and kept inside its pool rather than showing empty canvas.
  function showStep() {
    const element = focusId && registry.get(focusId);
    if (!element) { showWhole(); return; }
    const scale = box.clientWidth < 600 ? 0.85 : 1;
    const width = box.clientWidth / scale;
    const height = box.clientHeight / scale;
    let x = element.x + element.width / 2 - width * 0.6;
    let y = element.y + element.height / 2 - height / 2;
    let pool = element.parent;
    while (pool && pool.type !== 'bpmn:Participant') pool = pool.parent;
    if (pool) {
      const within = (start, size, low, extent) => Math.min(Math.max(start, low - 10), Math.max(low - 10, low + extent + 10 - size));
      x = within(x, width, pool.x, pool.width);
      y = within(y, height, pool.y, pool.height);
    }
    canvas.viewbox({ x, y, width, height });
  }
  function showWhole() {
    canvas.zoom('fit-viewport', 'auto');
  }
  const views = document.querySelector('.diagram-views');
  const stepButton = document.getElementById('diagram-step');
  const wholeButton = document.getElementById('diagram-whole');
  function choose(whole) {
    box.dataset.view = whole ? 'whole' : 'step'; // the whole diagram gets a taller box (app.css)
    canvas.resized();
    if (whole) showWhole(); else showStep();
    if (views) {
      stepButton.setAttribute('aria-pressed', String(!whole));
      wholeButton.setAttribute('aria-pressed', String(whole));
    }
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
