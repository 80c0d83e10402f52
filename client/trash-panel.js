// The board's trash: deleted cards, columns and comments, newest first, kept 30 days. Editors
// restore them (same id, same place); any deletion or restore seen live refreshes the list.
import * as api from './api.js';
import { debounce, h, replace } from './dom.js';
import { formatDay, formatFull, timeAgo } from './format.js';
import { toastError } from './toast.js';

const KIND_NAME = { task: 'Card', column: 'Column', comment: 'Comment' };
const REFRESH_ON = /^(task|column|comment)\.(deleted|restored)$/;

export class TrashPanel {
  /** ctx: {boardId, store} */
  constructor(ctx) {
    this.ctx = ctx;
    this.items = null;
    this.visible = false;
    this.list = h('ol', { class: 'trash-list', testid: 'trash-list' });
    this.status = h('p', { class: 'muted', testid: 'trash-status' });
    this.el = h('section', { class: 'panel', testid: 'trash-panel', 'aria-labelledby': 'trash-title' },
      h('h2', { class: 'panel-title', id: 'trash-title' }, 'Trash'),
      h('p', { class: 'muted' }, 'Deleted cards, columns and comments are kept for 30 days.'),
      this.list, this.status);
    this.refreshSoon = debounce(() => this.refresh(), 300);
  }

  show() {
    this.visible = true;
    this.refresh();
  }

  hide() {
    this.visible = false;
  }

  onBoardEvent(frame) {
    if (this.visible && REFRESH_ON.test(frame.name)) this.refreshSoon();
  }

  destroy() {
    this.refreshSoon.cancel();
    this.destroyed = true;
  }

  async refresh() {
    try {
      this.items = await api.listTrash(this.ctx.boardId);
      this.error = null;
    } catch (error) {
      this.error = error;
    }
    this.render();
  }

  async restore(item) {
    const { store } = this.ctx;
    try {
      if (item.kind === 'task') store.restoreTask(await api.restoreTask(item.object_id));
      else if (item.kind === 'column') store.restoreColumn(await api.restoreColumn(item.object_id));
      else await api.restoreComment(item.object_id);
      this.items = this.items.filter((i) => i.id !== item.id);
      this.render();
    } catch (error) {
      const detail = error.status === 409 && item.kind === 'task'
        ? 'Its column is gone: restore the column first.'
        : error.status === 409 && item.kind === 'comment'
          ? 'Its card is gone: restore the card first.' : error.message;
      toastError(`Could not restore “${item.title}”`, { detail });
    }
  }

  render() {
    if (this.destroyed) return;
    const canEdit = this.ctx.store.view().canEdit;
    const members = this.ctx.store.view().membersById;
    replace(this.list, (this.items ?? []).map((item) => {
      const who = item.deleted_by == null ? null : members.get(item.deleted_by)?.username;
      const key = `${item.kind}-${item.object_id}`;
      return h('li', { class: 'trash-item', testid: `trash-item-${key}` },
        h('div', { class: 'trash-text' },
          h('p', {}, h('span', { class: 'badge' }, KIND_NAME[item.kind] ?? item.kind), ' ',
            h('span', { class: 'trash-title' }, item.title)),
          h('p', { class: 'muted' }, who ? `Deleted by ${who} ` : 'Deleted ',
            h('time', { datetime: item.deleted_at, title: formatFull(item.deleted_at) },
              timeAgo(item.deleted_at)),
            ` · kept until ${formatDay(item.expires_at)}`)),
        canEdit ? h('button', { type: 'button', class: 'btn btn-small', testid: `trash-restore-${key}`,
          'aria-label': `Restore ${(KIND_NAME[item.kind] ?? item.kind).toLowerCase()} “${item.title}”`,
          onclick: () => this.restore(item) }, 'Restore') : null);
    }));
    this.status.textContent = this.error ? `Could not load the trash: ${this.error.message}`
      : this.items?.length === 0 ? 'The trash is empty.' : '';
    this.status.hidden = !this.status.textContent;
  }
}
