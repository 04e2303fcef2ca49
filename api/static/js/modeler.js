// The BPMN editor: bpmn-js's modeler on one procedure version, a sidebar for the properties our
// conventions use (a lane's role, user task form and subject, end event outcome, process parameters), and
// "deploy as next version", which shows the server's validation problems on the diagram.
// Every edit goes through bpmn-js's modeling API, so undo/redo and export see it.
(async () => {
  const box = document.getElementById('canvas');
  if (!box) return;
  const config = JSON.parse(document.getElementById('modeler-config').textContent);
  const t = config.text;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const sidebar = document.getElementById('properties');
  const status = document.getElementById('status');
  const problemsBox = document.getElementById('problems');

  const modeler = new BpmnJS({ container: box, moddleExtensions: { spiffworkflow: window.spiffworkflowModdle } });
  const version = await (await fetch(box.dataset.src)).json();
  const { warnings } = await modeler.importXML(version.xml);
  const canvas = modeler.get('canvas');
  const modeling = modeler.get('modeling');
  const moddle = modeler.get('moddle');
  const registry = modeler.get('elementRegistry');
  const overlays = modeler.get('overlays');
  const eventBus = modeler.get('eventBus');
  const selection = modeler.get('selection');
  if (warnings.length) say(`${t.warnings} ${warnings.map((w) => w.message).join('; ')}`, 'error');

  // The whole diagram in view, right of the palette (which floats over the canvas's left edge).
  function fitBesidePalette() {
    canvas.zoom('fit-viewport');
    const { inner, outer } = canvas.viewbox();
    const palette = box.querySelector('.djs-palette');
    const left = (palette ? palette.getBoundingClientRect().right - box.getBoundingClientRect().left : 0) + 16;
    let scale = Math.min((outer.width - left - 16) / inner.width, (outer.height - 32) / inner.height);
    let origin = inner;
    const main = mainProcess();
    if (outer.width < 600 && main && main.element.waypoints === undefined && main.element !== canvas.getRootElement()) {
      // a phone: the whole diagram would be a thumbnail; show the procedure's pool at its full height
      origin = main.element;
      scale = Math.min(1, (outer.height - 32) / origin.height);
    }
    if (!(scale > 0)) return;
    canvas.viewbox({ x: origin.x - left / scale, y: origin.y - 16 / scale, width: outer.width / scale, height: outer.height / scale });
  }
  // One element in the middle of the view at a readable zoom.
  function focus(shape) {
    const { outer } = canvas.viewbox();
    const scale = Math.max(canvas.zoom(), 1);
    canvas.viewbox({ x: shape.x + shape.width / 2 - outer.width / scale / 2, y: shape.y + shape.height / 2 - outer.height / scale / 2,
      width: outer.width / scale, height: outer.height / scale });
  }

  // --- small DOM helpers (text only: diagram content never becomes HTML) ------------------------
  function h(tag, attrs = {}, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else if (v !== undefined && v !== null && v !== false) el.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children.flat()) if (c !== null && c !== undefined) el.append(c);
    return el;
  }
  function field(label, control, hint) {
    return h('label', { class: 'field' }, h('span', {}, label), control, hint ? h('small', { class: 'hint' }, hint) : null);
  }
  function select(id, options, current, onchange) {
    const known = options.some((o) => o.value === current);
    const list = known || !current ? options : [...options, { value: current, label: `${current} (${t.unknown})` }];
    return h('select', { id, onchange: (e) => onchange(e.target.value) },
      list.map((o) => h('option', { value: o.value, selected: o.value === (current || '') }, o.label)));
  }
  function say(text, kind, ...extra) {
    status.className = `status ${kind || ''}`;
    status.replaceChildren(text, ...extra);
  }

  // --- reading and writing spiffworkflow:properties ---------------------------------------------
  const is = (bo, type) => bo && bo.$instanceOf(type);
  function propertiesOf(bo) {
    const ext = bo.extensionElements;
    return (ext && (ext.values || []).find((v) => is(v, 'spiffworkflow:Properties'))) || null;
  }
  function propertyList(bo) {
    const props = propertiesOf(bo);
    return props ? props.get('properties') : [];
  }
  function getProperty(bo, name) {
    const found = propertyList(bo).find((p) => p.name === name);
    return found ? found.value || '' : '';
  }
  function created(type, attrs, parent) {
    const el = moddle.create(type, attrs);
    el.$parent = parent;
    return el;
  }
  // Add a property in one command (so one undo step), creating the containers it needs.
  function addProperty(element, bo, name, value) {
    const ext = bo.extensionElements;
    const props = propertiesOf(bo);
    if (props) {
      const prop = created('spiffworkflow:Property', { name, value }, props);
      modeling.updateModdleProperties(element, props, { properties: [...props.get('properties'), prop] });
    } else if (ext) {
      const list = created('spiffworkflow:Properties', {}, ext);
      list.get('properties').push(created('spiffworkflow:Property', { name, value }, list));
      modeling.updateModdleProperties(element, ext, { values: [...(ext.values || []), list] });
    } else {
      const newExt = created('bpmn:ExtensionElements', { values: [] }, bo);
      const list = created('spiffworkflow:Properties', {}, newExt);
      list.get('properties').push(created('spiffworkflow:Property', { name, value }, list));
      newExt.values.push(list);
      modeling.updateModdleProperties(element, bo, { extensionElements: newExt });
    }
  }
  function removeProperty(element, bo, prop) {
    const props = propertiesOf(bo);
    modeling.updateModdleProperties(element, props, { properties: props.get('properties').filter((p) => p !== prop) });
  }
  function setProperty(element, bo, name, value) {
    const found = propertyList(bo).find((p) => p.name === name);
    if (!value) { if (found) removeProperty(element, bo, found); return; }
    if (found) modeling.updateModdleProperties(element, found, { value });
    else addProperty(element, bo, name, value);
  }

  // --- which process a selection stands for ----------------------------------------------------
  function mainProcess() {
    const root = canvas.getRootElement();
    const bo = root.businessObject;
    if (is(bo, 'bpmn:Process')) return { element: root, process: bo };
    const parts = bo.participants || [];
    const part = parts.find((p) => p.processRef && p.processRef.id === box.dataset.key) || parts.find((p) => p.processRef);
    return part ? { element: registry.get(part.id) || root, process: part.processRef } : null;
  }

  // --- the sidebar ------------------------------------------------------------------------------
  let current = null; // the selected element, or null for the process
  let applying = false; // our own command in progress: do not rebuild the sidebar under the cursor
  function apply(fn) {
    applying = true;
    try { fn(); } finally { applying = false; }
  }
  function header(title, bo) {
    return [h('h2', {}, title), h('p', { class: 'what' }, `${bo.name ? `${bo.name} · ` : ''}`, h('code', {}, bo.id))];
  }
  function nameField(element, bo) {
    return field(t.name, h('input', { id: 'prop-name', value: bo.name || '',
      onchange: (e) => apply(() => modeling.updateProperties(element, { name: e.target.value || undefined })) }));
  }
  // The step's name in English (property name_en), shown on pages in English.
  function nameEnField(element, bo) {
    return field(t.name_en, h('input', { id: 'prop-name-en', value: getProperty(bo, 'name_en'), lang: 'en',
      onchange: (e) => apply(() => setProperty(element, bo, 'name_en', e.target.value.trim())) }));
  }
  function formField(element, bo) {
    const options = [{ value: '', label: t.no_form }, ...config.forms.map((f) => ({ value: f, label: f }))];
    return field(t.form, select('prop-form', options, getProperty(bo, 'form'), (value) => {
      apply(() => {
        setProperty(element, bo, 'form', value);
        // a form about particular people brings its marking along (deployment checks it)
        if (config.subject_forms[value] && !is(bo, 'bpmn:StartEvent')) setProperty(element, bo, 'subject', config.subject_forms[value]);
      });
      render();
    }));
  }
  // Whom a user task is about (property `subject`): recusal keeps related users off it.
  function subjectField(element, bo) {
    const form = getProperty(bo, 'form');
    const required = config.subject_forms[form];
    const options = [{ value: '', label: t.no_subject }, ...config.subjects.map((s) => ({ value: s.key, label: `${s.key} — ${s.label}` }))];
    const hint = required ? t.subject_required.replace('{form}', form).replace('{subject}', required) : t.subject_hint;
    return field(t.subject, select('prop-subject', options, getProperty(bo, 'subject'),
      (value) => apply(() => setProperty(element, bo, 'subject', value))), hint);
  }
  // A lane's role: its `role` property; a diagram made before lanes had names for people names it.
  const laneRole = (lane) => getProperty(lane, 'role') || lane.name || '';
  const roleOf = (key) => config.roles.find((r) => r.key === key);
  function laneNote(bo) {
    const roles = (bo.get('lanes') || []).map(laneRole).filter(Boolean);
    const label = (key) => (roleOf(key) || { label: key }).label;
    return h('p', { class: 'meta' }, t.in_lane, ' ', roles.length ? roles.map((k) => `${label(k)} (${k})`).join(', ') : t.no_lane);
  }
  // The role goes into the lane's property; a lane still named after its old role (or unnamed) takes
  // the new role's name, so the diagram shows who does the work.
  function setLaneRole(element, lane, role) {
    const old = laneRole(lane);
    const oldNames = [old, (roleOf(old) || {}).name].filter(Boolean);
    setProperty(element, lane, 'role', role);
    if (role && (!lane.name || oldNames.includes(lane.name))) {
      modeling.updateProperties(element, { name: (roleOf(role) || { name: role }).name });
    }
  }

  function renderProcess(element, process) {
    const rows = h('tbody');
    const addRow = (prop) => {
      let name = prop ? prop.name : '';
      const nameInput = h('input', { name: 'name', value: name, title: name, 'aria-label': t.parameter });
      const valueInput = h('input', { name: 'value', value: prop ? prop.value || '' : '', 'aria-label': t.value });
      const row = h('tr', { 'data-param': name }, h('td', {}, nameInput), h('td', {}, valueInput),
        h('td', { class: 'x' }, h('button', { type: 'button', class: 'remove-row', title: t.remove, 'aria-label': t.remove,
          onclick: () => { if (prop) apply(() => removeProperty(element, process, prop)); row.remove(); } }, '×')));
      nameInput.addEventListener('change', () => apply(() => {
        name = nameInput.value.trim();
        row.dataset.param = name;
        nameInput.title = name;
        if (prop && name) modeling.updateModdleProperties(element, prop, { name });
        else if (!prop && name) {
          addProperty(element, process, name, valueInput.value);
          prop = propertyList(process).find((p) => p.name === name);
        }
      }));
      valueInput.addEventListener('change', () => apply(() => {
        if (prop) modeling.updateModdleProperties(element, prop, { value: valueInput.value });
      }));
      rows.append(row);
      return row;
    };
    propertyList(process).forEach(addRow);
    sidebar.replaceChildren(...header(t.process, process),
      h('h3', {}, t.parameters),
      h('table', { id: 'parameters' }, h('colgroup', {}, h('col'), h('col', { class: 'value' }), h('col', { class: 'x' })),
        h('thead', {}, h('tr', {}, h('th', {}, t.parameter), h('th', {}, t.value), h('th'))), rows),
      h('button', { type: 'button', class: 'add-row', onclick: () => addRow(null).querySelector('input').focus() }, t.add_parameter),
      h('p', { class: 'hint' }, t.parameters_hint));
  }

  function render() {
    const element = current && registry.get(current.id) ? current : null;
    current = element;
    if (!element || is(element.businessObject, 'bpmn:Participant')) {
      const target = element ? { element, process: element.businessObject.processRef } : mainProcess();
      if (target && target.process) renderProcess(target.element, target.process);
      else sidebar.replaceChildren(h('p', { class: 'empty' }, t.nothing_of_ours));
      return;
    }
    const bo = element.businessObject;
    if (is(bo, 'bpmn:Lane')) {
      const options = config.roles.map((r) => ({ value: r.key, label: `${r.label} — ${r.key}` }));
      sidebar.replaceChildren(...header(t.lane, bo), nameField(element, bo), field(t.role, select('prop-role', options,
        laneRole(bo), (value) => apply(() => { setLaneRole(element, bo, value); render(); })), t.role_hint));
    } else if (is(bo, 'bpmn:UserTask') || is(bo, 'bpmn:ManualTask')) {
      sidebar.replaceChildren(...header(t.user_task, bo), nameField(element, bo), nameEnField(element, bo), formField(element, bo),
        subjectField(element, bo), laneNote(bo));
    } else if (is(bo, 'bpmn:StartEvent')) {
      sidebar.replaceChildren(...header(t.start_event, bo), nameField(element, bo), nameEnField(element, bo), formField(element, bo));
    } else if (is(bo, 'bpmn:EndEvent')) {
      const input = h('input', { id: 'prop-outcome', list: 'outcomes', value: getProperty(bo, 'outcome'),
        onchange: (e) => apply(() => setProperty(element, bo, 'outcome', e.target.value.trim())) });
      sidebar.replaceChildren(...header(t.end_event, bo), nameField(element, bo), nameEnField(element, bo),
        field(t.outcome, input, t.outcome_hint),
        h('datalist', { id: 'outcomes' }, config.outcomes.map((o) => h('option', { value: o }))));
    } else {
      const type = bo.$type.replace(/^bpmn:/, '');
      sidebar.replaceChildren(...header(`${t.element}: ${type}`, bo),
        ...('name' in bo.$descriptor.propertiesByName ? [nameField(element, bo), nameEnField(element, bo)]
          : [h('p', { class: 'hint' }, t.nothing_of_ours)]));
    }
  }
  eventBus.on('selection.changed', ({ newSelection }) => {
    if (newSelection.length > 1) {
      current = null;
      sidebar.replaceChildren(h('p', { class: 'meta' }, t.several.replace('{n}', newSelection.length)));
      return;
    }
    current = newSelection[0] && newSelection[0].type !== 'label' ? newSelection[0]
      : newSelection[0] ? newSelection[0].labelTarget : null;
    render();
  });
  eventBus.on('commandStack.changed', () => { if (!applying) render(); });
  render();

  // --- problems on the diagram ------------------------------------------------------------------
  let marked = [];
  function shapeFor(id) {
    if (!id) return null;
    const direct = registry.get(id);
    if (direct) return direct;
    return registry.find((e) => {
      const bo = e.businessObject;
      return bo && ((is(bo, 'bpmn:Participant') && bo.processRef && bo.processRef.id === id)
        || (bo.eventDefinitions || []).some((d) => d.id === id)
        || (bo.loopCharacteristics && bo.loopCharacteristics.id === id));
    }) || null;
  }
  function clearProblems() {
    for (const id of marked) if (registry.get(id)) canvas.removeMarker(id, 'error-marker');
    marked = [];
    overlays.remove({ type: 'problem' });
    problemsBox.hidden = true;
    problemsBox.querySelector('ul').replaceChildren();
  }
  function showProblems(problems) {
    const byShape = new Map();
    const items = problems.map((p) => {
      const shape = shapeFor(p.element);
      if (shape) byShape.set(shape, [...(byShape.get(shape) || []), p.text]);
      const where = `${p.element || t.no_element}${p.line ? ` (${t.line} ${p.line})` : ''}`;
      return h('li', { 'data-element': p.element || '' }, h('span', { class: 'where' }, where), ' — ', p.text, ' ',
        shape ? h('button', { type: 'button', class: 'link', onclick: () => {
          selection.select(shape);
          focus(shape);
        } }, t.show) : null);
    });
    for (const [shape, texts] of byShape) {
      canvas.addMarker(shape, 'error-marker');
      marked.push(shape.id);
      const html = h('div', { class: 'problem-overlay', role: 'note' }, texts.join(' · '));
      overlays.add(shape, 'problem', { position: { bottom: -4, left: 0 }, html, scale: false });
    }
    problemsBox.querySelector('ul').replaceChildren(...items);
    problemsBox.hidden = !items.length;
  }

  // --- deploy and download ----------------------------------------------------------------------
  const deployButton = document.getElementById('deploy');
  deployButton.addEventListener('click', async () => {
    deployButton.disabled = true;
    clearProblems();
    say(t.deploying);
    try {
      const { xml } = await modeler.saveXML({ format: true });
      const response = await fetch(box.dataset.deploy, {
        method: 'POST', credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-CSRFToken': csrf, Accept: 'application/json' },
        body: JSON.stringify({ xml }),
      });
      let body;
      try { body = await response.json(); } catch (err) { body = { message: `${t.failed} (HTTP ${response.status})`, problems: [] }; }
      if (response.ok) {
        say(`${body.message} `, 'ok', h('a', { href: body.url, id: 'deployed-link', 'data-version': body.version },
          t.view_version.replace('{n}', body.version)), ' · ', h('a', { href: body.edit_url }, t.edit_version.replace('{n}', body.version)));
      } else {
        say(body.message, 'error');
        showProblems(body.problems || []);
      }
    } catch (err) {
      say(`${t.failed}: ${err.message || err}`, 'error');
    } finally {
      deployButton.disabled = false;
    }
  });
  document.getElementById('download').addEventListener('click', async () => {
    const { xml } = await modeler.saveXML({ format: true });
    const link = h('a', { href: URL.createObjectURL(new Blob([xml], { type: 'application/xml' })), download: box.dataset.file });
    document.body.append(link);
    link.click();
    link.remove();
  });

  fitBesidePalette();
  window.procedureModeler = modeler;
  box.dataset.ready = 'true';
})();
