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
