// The "Add column" button at the end of the board, which turns into a name field.
import { h, replace } from './dom.js';

/** Returns the element; `onCreate(name)` per submitted name (the field stays open for more). */
export function addColumnControl({ onCreate, onOpen }) {
  const el = h('div', { class: 'add-column' });
  const button = h('button', { type: 'button', class: 'add-column-btn', testid: 'add-column' },
    h('span', { 'aria-hidden': 'true' }, '+'), ' Add column');
  const input = h('input', { class: 'input', testid: 'new-column-name', maxlength: 100,
    required: true, placeholder: 'Column name', 'aria-label': 'New column name', autocomplete: 'off' });
  const form = h('form', { class: 'add-column-form', testid: 'add-column-form' }, input,
    h('div', { class: 'composer-actions' },
      h('button', { type: 'submit', class: 'btn btn-primary btn-small', testid: 'new-column-submit' },
        'Add column'),
      h('button', { type: 'button', class: 'btn btn-ghost btn-small', onclick: () => close() }, 'Cancel')));

  const close = () => {
    input.value = '';
    replace(el, button);
    button.focus();
  };
  button.addEventListener('click', () => {
    replace(el, form);
    input.focus();
    onOpen?.();
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      close();
    }
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const name = input.value.trim();
    if (!name) return;
    input.value = '';
    onCreate(name);
  });
  replace(el, button);
  return el;
}
