// The nominate form's search of the registry: a clerk finds a person by name, unit or post and
// "add" fills the person id of a nominee row (an empty row, or a new one), the name shown beside.
// The page draws the panel hidden; without this script the ids are typed as before.
const panel = document.querySelector('.person-search');
if (panel) {
  const group = document.querySelector(`fieldset.rows[data-path="${panel.dataset.rows}"]`);
  const list = panel.querySelector('.found');
  const fill = (text, values) => text.replace(/\{(\w+)\}/g, (_, key) => values[key] ?? '');
  panel.hidden = !group;

  // 王伟（1975-03-02生，区发改委副主任；编号 21）: what tells two of one name apart
  const describe = (p) => {
    const details = [p.gender, p.birth_date && fill(panel.dataset.born, { date: p.birth_date }), p.current_post]
      .filter(Boolean).join(panel.dataset.sep);
    return fill(panel.dataset.who, { name: p.name, details, id: p.id });
  };

  const show = (persons) => {
    list.replaceChildren();
    if (!persons.length) {
      list.insertAdjacentHTML('beforeend', '<li class="hint"></li>');
      list.lastElementChild.textContent = panel.dataset.none;
    }
    for (const person of persons) {
      const item = panel.querySelector('template').content.firstElementChild.cloneNode(true);
      item.querySelector('.who').textContent = describe(person);
      item.querySelector('.pick-person').addEventListener('click', () => pick(person));
      list.append(item);
    }
  };

  const blank = (row) => [...row.querySelectorAll('input, select, textarea')].every((f) => !f.value);

  // The first empty row, else a new one (form.js adds it); its id filled, its other cells cleared:
  // a row names a recorded person by id, or someone new by fields, never both.
  function pick(person) {
    const ids = [...group.querySelectorAll('[name$=".person_id"]')];
    const already = ids.find((f) => f.value === String(person.id));
    if (already) { already.focus(); return; } // one person is nominated once
    let row = [...group.querySelectorAll('.row-list > .row')].find(blank);
    if (!row) {
      group.querySelector('.add-row').click();
      row = group.querySelector('.row-list').lastElementChild;
    }
    row.querySelectorAll('input, select, textarea').forEach((f) => { f.value = ''; });
    row.querySelector('[name$=".person_id"]').value = String(person.id);
    row.querySelector('.picked')?.remove();
    const note = document.createElement('span');
    note.className = 'picked';
    note.textContent = fill(panel.dataset.picked, { who: describe(person) });
    row.append(note);
  }

  // a row edited by hand no longer shows whom an earlier pick named
  group?.addEventListener('input', (event) => event.target.closest('.row')?.querySelector('.picked')?.remove());

  panel.querySelector('form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const q = panel.querySelector('[name=q]').value.trim();
    if (!q) return;
    try {
      const response = await fetch(`${panel.dataset.url}?q=${encodeURIComponent(q)}`,
        { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
      if (!response.ok) throw new Error(String(response.status));
      show((await response.json()).persons);
    } catch {
      list.replaceChildren();
      list.insertAdjacentHTML('beforeend', '<li class="field-error"></li>');
      list.lastElementChild.textContent = panel.dataset.failed;
    }
  });
}
