// The board's history, newest first. Live events only mark it stale; the first page is refetched
// (debounced) because entries are written by the server and carry ids and wording we don't invent.
// Every event has exactly one entry, but the server writes entries a moment after the event (an
// outbox relay), so a refetch that finds fewer new entries than events seen tries again later.
import * as api from './api.js';
import { avatar } from './avatar.js';
import { debounce, h, replace } from './dom.js';
import { formatDay, formatFull, timeAgo } from './format.js';

const PAGE = 30;
const REFRESH_DEBOUNCE_MS = 400;
const CATCH_UP_TRIES = 5;
const TYPE_NAME = { task: 'card', column: 'column', board: 'board', member: 'member',
  label: 'label', comment: 'comment', checklist: 'checklist item',
  checklist_item: 'checklist item' };
// Verbs whose target alone reads wrong ("created comment “<the card's title>”").
const PHRASE = {
  'comment.created': 'commented on card',
  'comment.updated': 'edited a comment on card',
  'comment.deleted': 'deleted a comment on card',
  'comment.restored': 'restored a comment on card',
  'checklist.created': 'added checklist item',
  'checklist.rebalanced': 'reordered the checklist of card',
};
const FIELD_NAME = { column_id: 'column', assignee_id: 'assignee', due_date: 'due date',
  label_ids: 'labels' };

export class ActivityPanel {
  constructor({ boardId, store }) {
    this.boardId = boardId;
    this.store = store;
    this.items = [];
    this.cursor = null;
    this.loaded = false;
    this.visible = false;
    this.list = h('ol', { class: 'activity-list', testid: 'activity-list' });
    this.status = h('div', { class: 'activity-status' });
    this.more = h('button', { type: 'button', class: 'btn btn-ghost btn-block', testid: 'activity-more',
      hidden: true, onclick: () => this.loadMore() }, 'Show older');
    this.el = h('section', { class: 'panel', testid: 'activity-panel', 'aria-labelledby': 'activity-title' },
      h('h2', { class: 'panel-title', id: 'activity-title' }, 'Activity'),
      this.list, this.status, this.more);
    this.refreshSoon = debounce(() => this.refresh(), REFRESH_DEBOUNCE_MS);
    this.missing = 0; // events seen whose entries we have not fetched yet
    this.tries = 0;
    this.retryTimer = null;
  }

  show() {
    this.visible = true;
    if (!this.loaded) this.refresh();
  }

  hide() {
    this.visible = false;
  }

  /** A board event happened: the feed has a new entry. */
  onBoardEvent() {
    this.missing += 1;
    this.tries = 0;
    if (this.visible) this.refreshSoon();
    else this.loaded = false; // fetch when opened
  }

  destroy() {
    this.refreshSoon.cancel();
    clearTimeout(this.retryTimer);
    this.destroyed = true;
  }

  async refresh() {
    try {
      const page = await api.getActivity(this.boardId, { limit: PAGE });
      if (this.destroyed) return;
      const fresh = new Set(page.items.map((i) => i.id));
      const overlaps = this.items.some((i) => fresh.has(i.id));
      const known = new Set(this.items.map((i) => i.id));
      const added = page.items.filter((i) => !known.has(i.id)).length;
      this.missing = this.loaded ? Math.max(0, this.missing - added) : 0;
      if (this.loaded && overlaps) {
        // Keep older pages the user loaded; the new first page replaces its own range.
        this.items = [...page.items, ...this.items.filter((i) => !fresh.has(i.id) &&
          !(i.id > page.items.at(-1)?.id))];
      } else {
        this.items = page.items; // first load, or so much happened that there is a gap
        this.cursor = page.next_cursor;
      }
      this.loaded = true;
      this.error = null;
    } catch (error) {
      this.error = error;
    }
    this.render();
    this.catchUp();
  }

  /** Entries still missing for events we saw: ask again, waiting longer each time. */
  catchUp() {
    clearTimeout(this.retryTimer);
    if (this.missing === 0 || !this.visible || this.destroyed || this.tries >= CATCH_UP_TRIES) return;
    const delay = 500 * 2 ** this.tries;
    this.tries += 1;
    this.retryTimer = setTimeout(() => this.refresh(), delay);
  }

  async loadMore() {
    if (!this.cursor) return;
    this.more.disabled = true;
    try {
      const page = await api.getActivity(this.boardId, { limit: PAGE, before: this.cursor });
      const seen = new Set(this.items.map((i) => i.id));
      this.items = [...this.items, ...page.items.filter((i) => !seen.has(i.id))];
      this.cursor = page.next_cursor;
    } catch (error) {
      this.error = error;
    }
    this.more.disabled = false;
    this.render();
  }

  render() {
    if (this.destroyed) return;
    replace(this.list, this.items.map((item) => this.entry(item)));
    replace(this.status,
      this.error ? h('p', { class: 'form-message', dataset: { kind: 'error' } },
        `Could not load activity: ${this.error.message}`) : null,
      this.loaded && this.items.length === 0
        ? h('p', { class: 'muted', testid: 'activity-empty' }, 'Nothing has happened yet.') : null);
    this.more.hidden = !this.cursor;
  }

  entry(item) {
    const verb = describeVerb(item);
    const type = TYPE_NAME[item.target?.type] ?? item.target?.type ?? '';
    const ticked = item.verb === 'checklist.updated' ? item.changes?.done?.to : undefined;
    const phrase = ticked === true ? 'ticked checklist item'
      : ticked === false ? 'unticked checklist item' : PHRASE[item.verb] ?? `${verb} ${type}`;
    const title = item.target?.title;
    const changes = isCreation(verb) ? this.describeCreation(item.changes || {})
      : Object.entries(item.changes || {})
        .filter(([field]) => field !== 'position' && field !== 'version' &&
          !(field === 'done' && ticked !== undefined))
        .map(([field, change]) => this.describeChange(field, change))
        .filter(Boolean);
    return h('li', { class: 'activity-item', testid: `activity-item-${item.id}` },
      avatar(item.actor, { size: 'sm' }),
      h('div', { class: 'activity-text' },
        h('p', {}, h('strong', {}, item.actor?.username ?? 'Someone'), ` ${phrase}`,
          title ? [' ', h('span', { class: 'activity-target' }, `“${title}”`)] : null),
        changes.length ? h('ul', { class: 'activity-changes' }, changes.map((c) => h('li', {}, c))) : null,
        h('time', { class: 'muted', datetime: item.ts, title: formatFull(item.ts) }, timeAgo(item.ts))));
  }

  /** For something new, "from none" is noise: say only where it went and with which role. */
  describeCreation(changes) {
    const lines = [];
    if (changes.column_id?.to != null) lines.push(`in ${this.columnName(changes.column_id.to)}`);
    if (changes.role?.to) lines.push(`as ${changes.role.to}`);
    if (typeof changes.body?.to === 'string') lines.push(snippet(`“${changes.body.to}”`));
    return lines;
  }

  describeChange(field, { from, to } = {}) {
    const name = FIELD_NAME[field] ?? field;
    if (field === 'description') return 'edited the description';
    if (field === 'column_id') return `${this.columnName(from)} → ${this.columnName(to)}`;
    const show = (value) => {
      if (value === null || value === undefined || value === '') return 'none';
      if (field === 'assignee_id') return this.userName(value);
      if (field === 'due_date') return formatDay(value);
      if (field === 'label_ids' && Array.isArray(value)) {
        return value.map((id) => this.store.labels.get(id)?.name ?? 'a deleted label').join(', ')
          || 'none';
      }
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      return text.length > 60 ? `${text.slice(0, 57)}…` : text;
    };
    return `${name}: ${show(from)} → ${show(to)}`;
  }

  columnName(id) {
    if (id == null) return 'none';
    return this.store.view().columns.find((c) => c.id === id)?.name ?? 'a deleted column';
  }

  userName(id) {
    return this.store.view().membersById.get(id)?.username ?? `user #${id}`;
  }
}

const isCreation = (verb) => verb === 'created' || verb === 'added' || verb === 'restored';
const snippet = (text) => (text.length > 80 ? `${text.slice(0, 77)}…”` : text);

function describeVerb(item) {
  const verb = String(item.verb ?? '').split('.').pop();
  const fields = Object.keys(item.changes || {});
  // A reorder changes only the position (or nothing the feed shows): say what the user did.
  const placed = ['task', 'column', 'checklist'].includes(item.target?.type);
  if (verb === 'updated' && placed && (fields.includes('column_id') ||
      fields.every((f) => f === 'position' || f === 'version'))) return 'moved';
  return verb || 'changed';
}
