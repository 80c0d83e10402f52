// "Labels" of a board, for editors: rename, recolour, delete (taken off every card, for good, so
// it is confirmed) and add. Live: a teammate's label changes show while the dialog is open.
import * as api from './api.js';
import { confirmDialog } from './dialogs.js';
import { h, replace } from './dom.js';
import { COLORS, labelChip } from './labels.js';
import { removeDialog, toastError } from './toast.js';

const colorSelect = (attrs, value) => {
  const select = h('select', { class: 'input input-small', ...attrs },
    COLORS.map((c) => h('option', { value: c }, c[0].toUpperCase() + c.slice(1))));
  select.value = value;
  return select;
};

export function openLabelsDialog({ store, boardId }) {
  const sent = new Map(); // label id -> the values of its request in flight
  const list = h('ul', { class: 'labels-list', testid: 'labels-list' });
  const message = h('p', { class: 'form-message', role: 'alert', dataset: { kind: 'error' },
    hidden: true, testid: 'labels-error' });
  const newName = h('input', { class: 'input input-small', id: 'labels-new-name', maxlength: 40,
    testid: 'labels-new-name', autocomplete: 'off', placeholder: 'New label' });
  const newColor = colorSelect({ testid: 'labels-new-color', 'aria-label': 'Colour of the new label' },
    'gray');
  const dialog = h('dialog', { class: 'dialog', testid: 'labels-dialog',
    'aria-labelledby': 'labels-title' },
    h('form', { method: 'dialog', class: 'dialog-body' },
      h('div', { class: 'dialog-head' },
        h('h2', { class: 'dialog-title', id: 'labels-title' }, 'Labels'),
        h('button', { type: 'submit', class: 'icon-btn', 'aria-label': 'Close',
          testid: 'labels-close' }, '×')),
      list, message,
      h('div', { class: 'labels-row' },
        h('label', { class: 'sr-only', for: 'labels-new-name' }, 'New label name'),
        newName, newColor,
        h('button', { type: 'button', class: 'btn btn-small btn-primary', testid: 'labels-add',
          onclick: () => add() }, 'Add label'))));

  const fail = (text) => {
    message.textContent = text;
    message.hidden = false;
  };
  const explain = (error, name) => (error.status === 409 ? `There is already a label “${name}”.`
    : error.message);

  async function add() {
    const name = newName.value.trim();
    if (!name) return newName.focus();
    message.hidden = true;
    try {
      store.upsertLabel(await api.createLabel(boardId, { name, color: newColor.value }));
      newName.value = '';
      newName.focus();
    } catch (error) {
      fail(`Could not add the label: ${explain(error, name)}`);
    }
  }

  async function save(id, name, color) {
    // Against the latest we know: Enter and the change event that follows both land here.
    const label = store.labels.get(id);
    if (!label) return;
    const body = {};
    if (name && name !== label.name && name !== sent.get(id)?.name) body.name = name;
    if (color !== label.color && color !== sent.get(id)?.color) body.color = color;
    if (!Object.keys(body).length) return;
    message.hidden = true;
    sent.set(id, { ...sent.get(id), ...body });
    try {
      store.upsertLabel(await api.updateLabel(id, body));
    } catch (error) {
      fail(`Could not change “${label.name}”: ${explain(error, name)}`);
    } finally {
      sent.delete(id);
    }
  }

  async function remove(label) {
    const cards = [...store.tasks.values()].filter((t) => t.label_ids?.includes(label.id)).length;
    const ok = await confirmDialog({ title: `Delete the label “${label.name}”?`,
      message: cards ? `It is taken off ${cards} card${cards === 1 ? '' : 's'}. This cannot be undone.`
        : 'No card has it. This cannot be undone.',
      confirmLabel: 'Delete label', danger: true });
    if (!ok) return;
    try {
      await api.deleteLabel(label.id);
      store.removeLabel(label.id);
    } catch (error) {
      if (error.status !== 404) fail(`Could not delete “${label.name}”: ${error.message}`);
    }
  }

  function row(label) {
    const name = h('input', { class: 'input input-small', maxlength: 40, value: label.name,
      testid: `label-name-${label.id}`, 'aria-label': `Name of the label ${label.name}` });
    const color = colorSelect({ testid: `label-color-${label.id}`,
      'aria-label': `Colour of the label ${label.name}` }, label.color);
    const commit = () => save(label.id, name.value.trim(), color.value);
    name.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.isComposing) {
        event.preventDefault();
        commit();
      }
    });
    name.addEventListener('change', commit);
    color.addEventListener('change', commit);
    return h('li', { class: 'labels-row', testid: `label-row-${label.id}` },
      labelChip(label), name, color,
      h('button', { type: 'button', class: 'icon-btn', testid: `label-delete-${label.id}`,
        'aria-label': `Delete the label ${label.name}`, title: 'Delete',
        onclick: () => remove(label) }, '×'));
  }

  function render() {
    const focused = document.activeElement?.dataset?.testid;
    replace(list, store.view().labels.map(row));
    if (!store.labels.size) list.append(h('li', { class: 'muted' }, 'No labels yet.'));
    if (focused) list.querySelector(`[data-testid="${focused}"]`)?.focus();
  }

  const unsubscribe = store.subscribe((change) => {
    if (change.type !== 'event' || change.event.name.startsWith('label.')) render();
  });
  dialog.addEventListener('close', () => {
    unsubscribe();
    removeDialog(dialog);
  });
  render();
  document.body.append(dialog);
  dialog.showModal();
  newName.focus();
}
