// Edit a short text in place (column names): Enter or leaving the field saves, Escape cancels.
import { h } from './dom.js';

export function inlineEdit(target, { value, label, testid, maxlength = 100, onSubmit }) {
  const input = h('input', { class: 'input input-inline', value, maxlength, testid,
    'aria-label': label, autocomplete: 'off' });
  let done = false;
  const finish = (save) => {
    if (done) return;
    done = true;
    const text = input.value.trim();
    const refocus = document.activeElement === input;
    input.replaceWith(target);
    if (refocus) target.focus();
    if (save && text && text !== value) onSubmit(text);
  };
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      finish(true);
    } else if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      finish(false);
    }
  });
  input.addEventListener('blur', () => finish(true));
  target.replaceWith(input);
  input.focus();
  input.select();
}
