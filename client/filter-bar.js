// The board's filter bar: labels (every chosen one must be on the card), assignee and text. It
// filters the cards this tab shows (filter.js); the board itself and the other tabs are untouched.
import { debounce, h, replace } from './dom.js';
import { EMPTY_FILTER, isActive } from './filter.js';
import { labelChip } from './labels.js';
import { memberId } from './store.js';

/** onChange(filter); onManageLabels() opens the board's labels (editors). */
export function filterBar({ onChange, onManageLabels }) {
  let filter = EMPTY_FILTER;
  const set = (changes) => {
    filter = { ...filter, ...changes };
    clear.hidden = !isActive(filter);
    onChange(filter);
  };
  const text = h('input', { type: 'search', class: 'input input-small', id: 'filter-text',
    testid: 'filter-text', placeholder: 'Filter cards', autocomplete: 'off', maxlength: 200 });
  const typed = debounce(() => set({ text: text.value }), 150);
  text.addEventListener('input', typed);
  const assignee = h('select', { class: 'input input-small', id: 'filter-assignee',
    testid: 'filter-assignee', 'aria-label': 'Assignee' });
  assignee.addEventListener('change', () => {
    const value = assignee.value;
    set({ assignee: value === '' ? null : value === 'none' ? 'none' : Number(value) });
  });
  const labels = h('div', { class: 'filter-labels', role: 'group', 'aria-label': 'Labels' });
  const count = h('span', { class: 'filter-count muted', testid: 'filter-count', role: 'status' });
  const clear = h('button', { type: 'button', class: 'btn btn-ghost btn-small', testid: 'filter-clear',
    hidden: true, onclick: () => {
      text.value = '';
      assignee.value = '';
      set({ ...EMPTY_FILTER });
      render(lastView, lastShown);
      text.focus();
    } }, 'Clear filter');
  const manage = h('button', { type: 'button', class: 'btn btn-ghost btn-small',
    testid: 'manage-labels', hidden: true, onclick: () => onManageLabels() }, 'Edit labels…');
  const el = h('div', { class: 'filter-bar', testid: 'filter-bar' },
    h('div', { class: 'filter-controls', role: 'search', 'aria-label': 'Filter cards' },
      h('label', { class: 'sr-only', for: 'filter-text' }, 'Filter cards by text'),
      text, assignee, labels, clear, count),
    manage);

  let lastView = null;
  let lastShown = 0;
  let optionsKey = null;

  function toggleLabel(id) {
    const ids = filter.labelIds.includes(id)
      ? filter.labelIds.filter((x) => x !== id) : [...filter.labelIds, id];
    set({ labelIds: ids });
  }

  /** `shown`: how many cards pass the filter. */
  function render(view, shown) {
    lastView = view;
    lastShown = shown;
    manage.hidden = !view.canEdit;
    const key = JSON.stringify([view.members.map((m) => [memberId(m), m.username]),
      view.labels.map((l) => [l.id, l.name, l.color]), filter.labelIds]);
    if (key !== optionsKey) {
      optionsKey = key;
      const chosen = assignee.value;
      replace(assignee,
        h('option', { value: '' }, 'Anyone'),
        h('option', { value: 'none' }, 'Unassigned'),
        view.members.map((m) => h('option', { value: memberId(m) }, m.username)));
      assignee.value = chosen;
      if (filter.labelIds.some((id) => !view.labelsById.has(id))) {
        filter = { ...filter, labelIds: filter.labelIds.filter((id) => view.labelsById.has(id)) };
      }
      const focused = document.activeElement?.dataset?.testid;
      replace(labels, view.labels.map((label) => h('button', { type: 'button',
        class: 'label-toggle', testid: `filter-label-${label.id}`,
        'aria-pressed': String(filter.labelIds.includes(label.id)),
        onclick: () => toggleLabel(label.id) }, labelChip(label))));
      if (focused?.startsWith('filter-label-')) {
        labels.querySelector(`[data-testid="${focused}"]`)?.focus();
      }
    }
    const total = view.tasks.size;
    count.textContent = isActive(filter) ? `${shown} of ${total} cards` : '';
  }

  return { el, render, value: () => filter };
}
