// The card editor's labels: every label of the board as a toggle (pressed = on this card, saved
// with the card), and a small form to make a new label, which the board gets at once.
import * as api from './api.js';
import { h, replace } from './dom.js';
import { COLORS, labelChip } from './labels.js';

/** ctx: {store, boardId, readOnly}; `selected`: the draft's label ids. */
export function labelPicker({ store, boardId, readOnly }, selected) {
  let ids = [...selected];
  const list = h('div', { class: 'label-picker', role: 'group', 'aria-label': 'Labels',
    testid: 'label-picker' });
  const name = h('input', { class: 'input', id: 'new-label-name', testid: 'new-label-name',
    maxlength: 40, autocomplete: 'off', placeholder: 'New label' });
  const color = h('select', { class: 'input', id: 'new-label-color', testid: 'new-label-color',
    'aria-label': 'Colour of the new label' },
    COLORS.map((c) => h('option', { value: c }, c[0].toUpperCase() + c.slice(1))));
  const message = h('p', { class: 'form-message', role: 'alert', dataset: { kind: 'error' },
    testid: 'label-error', hidden: true });
  const create = h('button', { type: 'button', class: 'btn btn-small', testid: 'create-label',
    onclick: () => createLabel() }, 'Add label');
  name.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.isComposing) {
      event.preventDefault(); // the card's form must not save on this Enter
      createLabel();
    }
  });
  const form = readOnly ? null
    : h('div', { class: 'label-new' },
      h('label', { class: 'sr-only', for: 'new-label-name' }, 'New label name'), name, color, create);
  const el = h('div', { class: 'field' }, h('span', { class: 'field-label', id: 'labels-title' },
    'Labels'), list, form, message);

  async function createLabel() {
    const text = name.value.trim();
    if (!text) return name.focus();
    create.disabled = true;
    message.hidden = true;
    try {
      const label = await api.createLabel(boardId, { name: text, color: color.value });
      store.upsertLabel(label);
      name.value = '';
      ids = [...ids, label.id];
      render();
    } catch (error) {
      message.textContent = error.status === 409 ? `There is already a label “${text}”.`
        : `Could not add the label: ${error.message}`;
      message.hidden = false;
    } finally {
      create.disabled = false;
    }
  }

  function toggle(id) {
    ids = ids.includes(id) ? ids.filter((x) => x !== id) : [...ids, id];
    render();
  }

  let shownKey = null;

  function render() {
    const labels = store.view().labels;
    ids = ids.filter((id) => store.labels.has(id)); // a label deleted meanwhile is gone
    const key = JSON.stringify([labels.map((l) => [l.id, l.name, l.color]), ids]);
    if (key === shownKey) return; // the store changed something else: keep the buttons (focus)
    shownKey = key;
    const focused = list.contains(document.activeElement)
      ? document.activeElement.dataset.labelId : null;
    const shown = readOnly ? labels.filter((l) => ids.includes(l.id)) : labels;
    replace(list,
      shown.length === 0 ? h('span', { class: 'muted' }, readOnly ? 'None' : 'No labels yet') : null,
      shown.map((label) => readOnly ? labelChip(label)
        : h('button', { type: 'button', class: 'label-toggle', testid: `label-toggle-${label.id}`,
          'aria-pressed': String(ids.includes(label.id)), dataset: { labelId: label.id },
          onclick: () => toggle(label.id) }, labelChip(label))));
    if (focused) list.querySelector(`[data-label-id="${focused}"]`)?.focus();
  }

  render();
  return {
    el,
    render,
    value: () => [...ids],
    set(value) {
      ids = [...value];
      render();
    },
  };
}
