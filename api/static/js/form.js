// Add and remove rows of repeated fields (nominees, team members, overrides...).
document.addEventListener('click', (event) => {
  const add = event.target.closest('.add-row');
  if (add) {
    const group = add.closest('.rows');
    const list = group.querySelector('.row-list');
    const index = Number(group.dataset.next ?? list.children.length);
    group.dataset.next = String(index + 1);
    const html = group.querySelector('template').innerHTML.replaceAll('__index__', String(index));
    list.insertAdjacentHTML('beforeend', html);
    list.lastElementChild.querySelector('input, select, textarea')?.focus();
  }
  const remove = event.target.closest('.remove-row');
  if (remove) remove.closest('.row').remove();
});

// In a list to tick, the text an option needs (an override's justification, a rejection's reason)
// shows only when it applies; a hidden one is disabled so it is not submitted. Without this script
// every such text stays visible and the server ignores the blank ones.
function syncReason(choice, focus) {
  const box = choice.querySelector('.pick input[type=checkbox]');
  const reason = choice.querySelector('.reason');
  if (!box || !reason) return;
  const show = reason.dataset.when === 'unchecked' ? !box.checked : box.checked;
  reason.hidden = !show;
  reason.querySelectorAll('input, textarea').forEach((field) => { field.disabled = !show; });
  if (show && focus) reason.querySelector('textarea')?.focus();
}

document.querySelectorAll('.choice').forEach((choice) => syncReason(choice, false));
document.addEventListener('change', (event) => {
  const choice = event.target.closest('.choice');
  if (choice && event.target.matches('.pick input')) syncReason(choice, true);
});
