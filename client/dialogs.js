// Confirmation in a native <dialog>: modal, focus-trapped and closed by Escape for free.
import { h } from './dom.js';
import { removeDialog } from './toast.js';

/** Resolves true when confirmed. `danger` styles the confirm button as destructive. */
export function confirmDialog({ title, message, confirmLabel = 'Confirm', danger = false,
  testid = 'confirm-dialog' }) {
  return new Promise((resolve) => {
    const cancel = h('button', { type: 'button', class: 'btn btn-ghost', testid: 'confirm-cancel',
      onclick: () => dialog.close('cancel') }, 'Cancel');
    const ok = h('button', { type: 'submit', class: danger ? 'btn btn-danger' : 'btn btn-primary',
      testid: 'confirm-ok', value: 'ok' }, confirmLabel);
    const dialog = h('dialog', { class: 'dialog dialog-small', testid,
      'aria-labelledby': 'confirm-title', 'aria-describedby': message ? 'confirm-message' : null },
      h('form', { method: 'dialog', class: 'dialog-body' },
        h('h2', { id: 'confirm-title', class: 'dialog-title' }, title),
        message ? h('p', { class: 'muted', id: 'confirm-message' }, message) : null,
        h('div', { class: 'dialog-actions' }, cancel, ok)));
    dialog.addEventListener('close', () => {
      removeDialog(dialog);
      resolve(dialog.returnValue === 'ok');
    });
    document.body.append(dialog);
    dialog.showModal();
    (danger ? cancel : ok).focus(); // destructive actions default to the safe choice
  });
}

/** Ask for one line of text. Resolves the trimmed value, or null when cancelled. */
export function promptDialog({ title, label, value = '', confirmLabel = 'Save', maxlength = 100 }) {
  return new Promise((resolve) => {
    const input = h('input', { class: 'input', id: 'prompt-input', testid: 'prompt-input', value,
      required: true, maxlength, autocomplete: 'off' });
    const dialog = h('dialog', { class: 'dialog dialog-small', testid: 'prompt-dialog',
      'aria-labelledby': 'prompt-title' },
      h('form', { method: 'dialog', class: 'dialog-body' },
        h('h2', { id: 'prompt-title', class: 'dialog-title' }, title),
        h('div', { class: 'field' }, h('label', { for: 'prompt-input' }, label), input),
        h('div', { class: 'dialog-actions' },
          h('button', { type: 'button', class: 'btn btn-ghost', testid: 'prompt-cancel',
            onclick: () => dialog.close('cancel') }, 'Cancel'),
          h('button', { type: 'submit', class: 'btn btn-primary', testid: 'prompt-ok',
            value: 'ok' }, confirmLabel))));
    dialog.addEventListener('close', () => {
      const text = input.value.trim();
      removeDialog(dialog);
      resolve(dialog.returnValue === 'ok' && text ? text : null);
    });
    document.body.append(dialog);
    dialog.showModal();
    input.select();
  });
}
