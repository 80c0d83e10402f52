// A card's checklist in its editor: tick, add, delete, and reorder with buttons or Alt+Up/Down on
// an item. Order is the server's fractional keys (like cards); live from checklist.* events.
import * as api from './api.js';
import { DetailList } from './details.js';
import { h, replace, syncChildren } from './dom.js';
import { placementBody } from './order.js';
import { toastError } from './toast.js';

/** ctx: {taskId, canEdit, announce(text)} */
export class ChecklistView {
  constructor(ctx) {
    this.ctx = ctx;
    this.items = new DetailList({ taskId: ctx.taskId, kind: 'checklist' });
    // The heading shows "2/3"; a screen reader hears "2 of 3 done" (a plain span may not carry
    // an aria-label, so the words are a hidden sibling).
    this.progress = h('span', { class: 'checklist-progress muted', testid: 'checklist-progress',
      'aria-hidden': 'true' });
    this.progressWords = h('span', { class: 'sr-only' });
    this.list = h('ol', { class: 'checklist', testid: 'checklist', 'aria-label': 'Checklist' });
    this.input = h('input', { class: 'input', id: 'checklist-input', testid: 'checklist-input',
      maxlength: 200, autocomplete: 'off', placeholder: 'Add an item' });
    this.input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.isComposing) {
        event.preventDefault(); // the card's form must not save on this Enter
        this.add();
      }
    });
    const composer = ctx.canEdit
      ? h('div', { class: 'checklist-composer' },
          h('label', { class: 'sr-only', for: 'checklist-input' }, 'New checklist item'),
          this.input,
          h('button', { type: 'button', class: 'btn btn-small', testid: 'checklist-add',
            onclick: () => this.add() }, 'Add'))
      : null;
    this.status = h('p', { class: 'muted', testid: 'checklist-status', hidden: true });
    this.el = h('section', { class: 'editor-section', 'aria-labelledby': 'checklist-title' },
      h('h2', { class: 'section-title', id: 'checklist-title' }, 'Checklist ', this.progress,
        this.progressWords),
      this.list, this.status, composer);
    this.load();
  }

  async load() {
    try {
      this.items.load(await api.listChecklist(this.ctx.taskId));
      this.status.hidden = true;
    } catch (error) {
      this.status.textContent = `Could not load the checklist: ${error.message}`;
      this.status.hidden = false;
    }
    this.render();
  }

  onEvent(frame) {
    if (this.items.apply(frame)) this.render();
  }

  async add() {
    const text = this.input.value.trim();
    if (!text) return this.input.focus();
    this.input.value = '';
    await this.send(() => api.createChecklistItem(this.ctx.taskId, { text }), 'add the item');
  }

  async send(request, what) {
    try {
      const item = await request();
      if (item) this.items.put(item);
      this.render();
      return true;
    } catch (error) {
      toastError(`Could not ${what}`, { detail: error.message });
      return false;
    }
  }

  tick(item, done) {
    return this.send(() => api.updateChecklistItem(item.id, { done }), 'tick the item');
  }

  async move(item, step) {
    const list = this.items.list();
    const index = list.findIndex((i) => i.id === item.id);
    const neighbour = list[index + step];
    if (!neighbour) return;
    // Up: before the item above; down: after the item below.
    const body = placementBody(step < 0 ? { beforeId: neighbour.id } : { afterId: neighbour.id });
    if (await this.send(() => api.updateChecklistItem(item.id, body), 'move the item')) {
      this.ctx.announce?.(`Moved “${item.text}” to position ${index + step + 1} of ${list.length}.`);
      this.list.querySelector(`[data-testid="checklist-done-${item.id}"]`)?.focus();
    }
  }

  async remove(item) {
    const list = this.items.list();
    const index = list.findIndex((i) => i.id === item.id);
    await this.send(async () => {
      await api.deleteChecklistItem(item.id);
      this.items.remove(item.id);
      return null;
    }, 'delete the item');
    const next = this.items.list()[Math.min(index, this.items.items.size - 1)];
    (next ? this.list.querySelector(`[data-testid="checklist-done-${next.id}"]`) : this.input)
      ?.focus();
  }

  /** The item's text becomes a field: Enter saves, Escape (or leaving it) keeps the old text. */
  rename(li, item) {
    const field = h('input', { class: 'input input-small checklist-rename', maxlength: 200,
      value: item.text, testid: `checklist-rename-input-${item.id}`,
      'aria-label': `New text for “${item.text}”` });
    let finished = false;
    const finish = async (save) => {
      if (finished) return;
      finished = true;
      const text = field.value.trim();
      if (save && text && text !== item.text) {
        await this.send(() => api.updateChecklistItem(item.id, { text }), 'rename the item');
      }
      li.editing = false;
      li.signature = null;
      this.render();
      li.querySelector(`[data-testid="checklist-rename-${item.id}"]`)?.focus();
    };
    field.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.isComposing) {
        event.preventDefault(); // not the card's Save
        finish(true);
      } else if (event.key === 'Escape') {
        event.preventDefault();
        event.stopPropagation(); // the rename ends, not the dialog
        finish(false);
      }
    });
    field.addEventListener('blur', () => finish(false));
    li.editing = true;
    li.querySelector('.checklist-text').replaceWith(field);
    field.select();
  }

  render() {
    const items = this.items.list();
    const done = items.filter((i) => i.done).length;
    this.progress.textContent = items.length ? `${done}/${items.length}` : '';
    this.progressWords.textContent = items.length ? `${done} of ${items.length} done` : '';
    syncChildren(this.list, items, {
      key: (i) => i.id,
      create: () => h('li', { class: 'checklist-item' }),
      update: () => {},
    });
    const { canEdit } = this.ctx;
    [...this.list.children].forEach((li, index) => {
      const item = this.items.items.get(Number(li.dataset.key));
      if (li.editing) return; // a rename in progress keeps its field
      const signature = JSON.stringify([item.text, item.done, index, items.length, canEdit]);
      if (li.signature === signature) return;
      const hadFocus = li.contains(document.activeElement)
        ? document.activeElement.dataset.testid : null;
      li.signature = signature;
      li.dataset.testid = `checklist-item-${item.id}`;
      li.classList.toggle('done', item.done);
      const box = h('input', { type: 'checkbox', id: `checklist-done-${item.id}`,
        testid: `checklist-done-${item.id}`, checked: item.done, disabled: !canEdit,
        'aria-keyshortcuts': canEdit ? 'Alt+ArrowUp Alt+ArrowDown' : null });
      box.addEventListener('change', () => this.tick(item, box.checked));
      box.addEventListener('keydown', (event) => {
        if (!canEdit || !(event.altKey || event.shiftKey)) return;
        if (event.key === 'ArrowUp' || event.key === 'ArrowDown') {
          event.preventDefault();
          this.move(item, event.key === 'ArrowUp' ? -1 : 1);
        }
      });
      const button = (testid, label, text, run, disabled = false) => h('button', { type: 'button',
        class: 'icon-btn icon-btn-small', testid, 'aria-label': label, title: label, disabled,
        onclick: run }, h('span', { 'aria-hidden': 'true' }, text));
      replace(li,
        box,
        h('label', { for: `checklist-done-${item.id}`, class: 'checklist-text',
          testid: `checklist-text-${item.id}` }, item.text),
        canEdit ? h('span', { class: 'checklist-actions' },
          button(`checklist-up-${item.id}`, `Move “${item.text}” up`, '↑',
            () => this.move(item, -1), index === 0),
          button(`checklist-down-${item.id}`, `Move “${item.text}” down`, '↓',
            () => this.move(item, 1), index === items.length - 1),
          button(`checklist-rename-${item.id}`, `Rename “${item.text}”`, '✎',
            () => this.rename(li, item)),
          button(`checklist-delete-${item.id}`, `Delete “${item.text}”`, '×',
            () => this.remove(item))) : null);
      if (hadFocus) li.querySelector(`[data-testid="${hadFocus}"]`)?.focus();
    });
  }
}
