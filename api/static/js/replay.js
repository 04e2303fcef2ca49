// Step-through replay: the slider and the previous/next buttons choose step k; the diagram marks
// what events 1..k completed as done and step k's element as current; only step k's panel shows.
(() => {
  const slider = document.getElementById('step-slider');
  if (!slider) return;
  const doneAt = JSON.parse(document.getElementById('replay-steps').textContent);
  const elementAt = JSON.parse(document.getElementById('replay-elements').textContent);
  const panels = [...document.querySelectorAll('section.step')];
  const index = [...document.querySelectorAll('[data-goto]')];
  const prev = document.getElementById('prev-step');
  const next = document.getElementById('next-step');
  const label = document.getElementById('step-label');
  const box = document.getElementById('diagram');
  const total = doneAt.length;
  let current = 1;
  let diagram = null; // {canvas, registry, marked: [[id, marker], ...]}

  function shapeIds(id) {
    // The case-started event names the process itself: show the process's start event(s) instead.
    const { canvas, registry } = diagram;
    const element = id && registry.get(id);
    if (!element) return [];
    const root = canvas.getRootElement();
    if (element === root || element.type === 'bpmn:Process' || element.type === 'bpmn:Participant') {
      return registry.filter((e) => e.type === 'bpmn:StartEvent' && (e.parent === root || e.parent?.type === 'bpmn:Participant'))
        .map((e) => e.id);
    }
    return element.waypoints ? [] : [id];
  }

  function mark() {
    if (!diagram) return;
    const { canvas } = diagram;
    for (const [id, marker] of diagram.marked) canvas.removeMarker(id, marker);
    diagram.marked = [];
    const here = new Set(shapeIds(elementAt[current - 1]));
    for (const id of doneAt[current - 1]) {
      for (const shape of shapeIds(id)) {
        if (!here.has(shape)) { canvas.addMarker(shape, 'done'); diagram.marked.push([shape, 'done']); }
      }
    }
    for (const shape of here) { canvas.addMarker(shape, 'current'); diagram.marked.push([shape, 'current']); }
    box.dataset.step = String(current);
  }

  function go(k) {
    current = Math.min(Math.max(1, Number(k) || 1), total);
    slider.value = String(current);
    label.textContent = `${label.dataset.word} ${current} / ${total}`;
    prev.disabled = current === 1;
    next.disabled = current === total;
    panels.forEach((panel, i) => { panel.hidden = i !== current - 1; });
    index.forEach((button) => {
      if (Number(button.dataset.goto) === current) button.setAttribute('aria-current', 'step');
      else button.removeAttribute('aria-current');
    });
    const url = new URL(window.location.href);
    url.searchParams.set('step', String(current));
    window.history.replaceState(null, '', url);
    mark();
  }

  slider.addEventListener('input', () => go(slider.value));
  prev.addEventListener('click', () => go(current - 1));
  next.addEventListener('click', () => go(current + 1));
  index.forEach((button) => button.addEventListener('click', () => go(button.dataset.goto)));
  document.addEventListener('keydown', (event) => {
    if (event.target.closest('input, textarea, select') || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === 'ArrowLeft') go(current - 1);
    if (event.key === 'ArrowRight') go(current + 1);
  });
  go(new URLSearchParams(window.location.search).get('step') || 1);

  (async () => {
    const state = await (await fetch(box.dataset.src)).json();
    const viewer = new BpmnJS({ container: box });
    await viewer.importXML(state.xml);
    const canvas = viewer.get('canvas');
    diagram = { canvas, registry: viewer.get('elementRegistry'), marked: [] };
    canvas.zoom('fit-viewport');
    mark();
    window.replayView = { viewer, go, step: () => current };
    box.dataset.ready = 'true';
  })();
})();
