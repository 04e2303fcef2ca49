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
    // The case-started event names the process; show the start event of its pool instead.
    const { canvas, registry } = diagram;
    if (!id) return [];
    const element = registry.get(id) || registry.find((e) => e.type === 'bpmn:Participant'
      && e.businessObject.processRef && e.businessObject.processRef.id === id);
    if (!element) return [];
    const root = canvas.getRootElement();
    if (element === root || element.type === 'bpmn:Process' || element.type === 'bpmn:Participant') {
      const pool = element.type === 'bpmn:Participant' ? element : root;
      return registry.filter((e) => e.type === 'bpmn:StartEvent' && e.parent === pool).map((e) => e.id);
    }
    return element.waypoints ? [] : [id];
  }

  // A file holds several pools (the main process and the called ones): a wide screen shows the
  // whole pool of step k; a narrow one follows step k's element at a readable scale.
  function show(id) {
    const { canvas, registry } = diagram;
    const element = id && registry.get(id);
    if (element && box.clientWidth < 600) {
      const scale = 0.5;
      const width = box.clientWidth / scale;
      const height = box.clientHeight / scale;
      canvas.viewbox({ x: element.x + element.width / 2 - width / 2, y: element.y + element.height / 2 - height / 2,
        width, height });
      return;
    }
    let pool = element;
    while (pool && pool.type !== 'bpmn:Participant') pool = pool.parent;
    pool = pool || registry.filter((e) => e.type === 'bpmn:Participant')[0];
    if (pool === diagram.pool) return;
    diagram.pool = pool;
    if (!pool) { canvas.zoom('fit-viewport'); return; }
    canvas.viewbox({ x: pool.x - 20, y: pool.y - 20, width: pool.width + 40, height: pool.height + 40 });
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
    show([...here][0]);
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
    diagram = { canvas, registry: viewer.get('elementRegistry'), marked: [], pool: undefined };
    mark();
    window.replayView = { viewer, go, step: () => current };
    box.dataset.ready = 'true';
  })();
})();
