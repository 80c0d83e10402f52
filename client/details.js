// The comments or checklist items of one card, as the open editor shows them: a REST list plus the
// board's events for that card. Events that arrive while the list is loading are kept and applied
// on top of it, so nothing between the request and its answer is lost or applied twice. No DOM.
import { sortByPosition } from './order.js';

const byTimeThenId = (a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0) || a.id - b.id;

export class DetailList {
  /**
   * @param {object} o
   * @param {number} o.taskId
   * @param {string} o.kind  'comment' | 'checklist' (the event name's prefix)
   */
  constructor({ taskId, kind }) {
    this.taskId = taskId;
    this.kind = kind;
    this.items = new Map();
    this.deleted = new Set();
    this.pending = []; // events seen before the list arrived
    this.loaded = false;
  }

  load(items) {
    for (const item of items) this.put(item);
    this.loaded = true;
    const pending = this.pending;
    this.pending = [];
    for (const frame of pending) this.apply(frame);
  }

  /** Apply a board event if it is about this card's items; returns whether anything changed. */
  apply(frame) {
    const [kind, verb] = String(frame.name).split('.');
    const data = frame.data || {};
    if (kind !== this.kind || data.task_id !== this.taskId) return false;
    if (!this.loaded) {
      this.pending.push(frame);
      return false;
    }
    if (verb === 'deleted') return this.remove(data.id);
    if (verb === 'rebalanced') return this.rebalance(data.items ?? []);
    if (verb === 'restored') this.deleted.delete(data.id);
    return this.put(data);
  }

  /** An item from an event or from a REST answer; an older copy never replaces a newer one. */
  put(item) {
    if (this.deleted.has(item.id)) return false;
    const current = this.items.get(item.id);
    if (current && current.updated_at > item.updated_at) return false;
    this.items.set(item.id, item);
    return true;
  }

  /** Fresh keys for every item (`checklist.rebalanced`): only positions change. */
  rebalance(fresh) {
    for (const { id, position, updated_at } of fresh) {
      const current = this.items.get(id);
      if (current) this.items.set(id, { ...current, position, updated_at });
    }
    return fresh.length > 0;
  }

  remove(id) {
    this.deleted.add(id);
    return this.items.delete(id);
  }

  /** An item we restored ourselves. */
  restore(item) {
    this.deleted.delete(item.id);
    return this.put(item);
  }

  list() {
    const items = [...this.items.values()];
    return this.kind === 'checklist' ? sortByPosition(items) : items.sort(byTimeThenId);
  }
}
