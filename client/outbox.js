// The outbox of one open board: the changes the user made while its socket was down, kept in
// IndexedDB (they survive a reload and are seen by every tab of this browser), shown on the board
// at once, and replayed in order through the board's WebSocket commands when it is back.
//
// One tab replays for all: the replay runs under a Web Lock per user and board, and reads the
// entries afresh from IndexedDB once it holds it, so a tab that waited finds them gone. Each
// entry's `key` is its command's `ref`: the server answers a command it has seen under that ref
// with its first ack, so a send whose answer was lost is harmless to repeat. Tabs tell each other
// of every change to the outbox on a BroadcastChannel and reload it.
import { OUTBOX, getAllBy, openDb, write } from './offline-db.js';
import {
  afterConfirmed, afterDropped, alreadyApplied, applyEntries, coalesce, frameFor, target,
} from './outbox-plan.js';

const CHANNEL = 'taskflow.outbox';
const RETRY_MS = 3_000;
let lastOrder = 0;

/** Strictly increasing in this tab, and across tabs unless two enqueue in the same microsecond. */
function nextOrder() {
  lastOrder = Math.max(lastOrder + 1, Date.now() * 1000);
  return lastOrder;
}

/** How many changes wait in the outbox of each of the user's boards: Map boardId -> count. */
export async function waitingByBoard(userId) {
  const counts = new Map();
  for (const entry of await getAllBy(OUTBOX, 'user', userId)) {
    counts.set(entry.boardId, (counts.get(entry.boardId) ?? 0) + 1);
  }
  return counts;
}

/** `listener()` whenever any tab changes any outbox of this browser; returns the unsubscribe. */
export function onOutboxChange(listener) {
  if (typeof BroadcastChannel !== 'function') return () => {};
  const channel = new BroadcastChannel(CHANNEL);
  channel.addEventListener('message', () => listener());
  return () => channel.close();
}

export class Outbox {
  /**
   * @param {object} o
   * @param {number} o.userId
   * @param {number} o.boardId
   * @param {import('./store.js').BoardStore} o.store
   * @param {(frame: object) => Promise<object>} o.send  the reply (ack or error) to a command
   * @param {(entry: object, reply: object) => void} o.onRefused  told when the server refused a
   *   change for good (not a conflict): the entry is dropped and the user must hear why
   */
  constructor({ userId, boardId, store, send, onRefused }) {
    Object.assign(this, { userId, boardId, store, send, onRefused });
    this.entries = [];
    this.listeners = new Set();
    this.closed = false;
    this.retryTimer = null;
    this.settleOverlay = store.optimistic((draft) => applyEntries(draft, this.entries));
    this.channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(CHANNEL) : null;
    this.channel?.addEventListener('message', ({ data }) => {
      if (data?.userId === this.userId && data?.boardId === this.boardId) {
        this.reload().then(() => this.onRemoteChange?.());
      }
    });
  }

  get lockName() {
    return `taskflow.outbox.${this.userId}.${this.boardId}`;
  }

  /** `listener(entries)` after every change. */
  subscribe(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Read the entries from IndexedDB (after open, and when another tab changed them). */
  async reload() {
    // Without IndexedDB (a private mode may refuse it) this tab's own list is all there is.
    if (!(await openDb())) return;
    const entries = await getAllBy(OUTBOX, 'board', [this.userId, this.boardId]);
    if (this.closed) return;
    this.show(entries.sort((a, b) => a.order - b.order));
  }

  show(entries) {
    this.entries = entries;
    this.store.changed({ type: 'local' });
    for (const listener of [...this.listeners]) listener(entries);
  }

  get size() {
    return this.entries.length;
  }

  has(kind, id) {
    return this.entries.some((e) => {
      const [k, i] = target(e);
      return k === kind && i === id;
    });
  }

  /** Queue a change (see outbox-plan.js for its shape); shows at once, persists, tells the tabs. */
  async add(change) {
    const [kind, id] = target(change);
    const same = this.entries.filter((e) => target(e)[0] === kind && target(e)[1] === id);
    const last = same.at(-1);
    const merged = last?.key !== this.sendingKey ? coalesce(last, change) : null;
    if (merged) {
      const entry = { ...merged, key: crypto.randomUUID() };
      this.show(this.entries.map((e) => (e.key === last.key ? entry : e)));
      await this.persist({ put: [entry], remove: [last] });
      return entry;
    }
    const follows = kind === 'task' && change.type !== 'task.create' && same.length > 0;
    // A card added offline and moved before it was sent: it is created in the column it was
    // moved to (the chained move then places it among that column's cards), so a create never
    // aims at a column the user left, which someone may delete meanwhile.
    const create = same.find((e) => e.type === 'task.create' && e.key !== this.sendingKey);
    const moved = create && 'column_id' in change.data
      ? { ...create, data: { ...create.data, column_id: change.data.column_id } } : null;
    const entry = {
      key: crypto.randomUUID(), userId: this.userId, boardId: this.boardId, order: nextOrder(),
      state: 'queued', at: new Date().toISOString(), ...change,
      base: follows ? { chained: true } : change.base,
      // What the card was when the user changed it: a conflict shows what the others changed.
      was: kind === 'task' ? this.store.tasks.get(id) ?? null : this.store.columns.get(id) ?? null,
    };
    const entries = moved
      ? this.entries.map((e) => (e.key === moved.key ? moved : e)) : this.entries;
    this.show([...entries, entry]);
    await this.persist({ put: moved ? [moved, entry] : [entry] });
    return entry;
  }

  /** Forget a queued create and every change of its card (a card made offline, then deleted). */
  async cancelCreate(tempId) {
    const create = this.entries.find((e) => e.type === 'task.create' && e.tempId === tempId);
    if (create) await this.drop(create); // a dropped create takes its card's changes along
  }

  async persist({ put = [], remove = [] }) {
    try {
      await write([OUTBOX], (tx) => {
        const store = tx.objectStore(OUTBOX);
        for (const entry of remove) store.delete(entry.key);
        for (const entry of put) store.put(entry);
      });
    } catch (error) { // a full disk: this tab still holds the queue, it only does not persist
      console.warn('outbox: not saved in IndexedDB', error);
      return;
    }
    this.channel?.postMessage({ userId: this.userId, boardId: this.boardId });
  }

  /**
   * Replay every queued entry, in order, once this tab holds the board's lock; stops at the first
   * that cannot be sent (socket gone, server busy) and tries again later. Entries waiting on a
   * conflict, and the changes chained to them, stay.
   */
  async replay() {
    if (this.closed) return;
    clearTimeout(this.retryTimer);
    const run = () => this.replayHeld();
    const locks = globalThis.navigator?.locks; // every browser we serve; not node's tests
    const outcome = locks ? await locks.request(this.lockName, run) : await run();
    if (outcome === 'retry' && !this.closed) {
      this.retryTimer = setTimeout(() => this.replay(), RETRY_MS);
    }
  }

  // Entries are compared by key, never by identity: a reload (another tab's change) replaces
  // every object while an answer is awaited.
  async replayHeld() {
    await this.reload(); // what another tab replayed while we waited is gone from the store
    for (;;) {
      if (this.closed) return 'closed';
      const entry = this.entries.find((e) => frameFor(e) !== null);
      if (!entry) return 'done';
      let reply;
      this.sendingKey = entry.key; // not merged with a later edit while its answer is awaited
      try {
        reply = await this.send(frameFor(entry));
      } catch {
        return 'retry'; // the socket went away: the entry stays, sent again (same ref) later
      } finally {
        this.sendingKey = null;
      }
      if (this.closed) return 'closed';
      if (reply.type === 'ack') await this.confirmed(entry, reply.data);
      else if (reply.code === 'conflict') await this.conflicted(entry, reply.data ?? null);
      else if (reply.code === 'not_found' && entry.type === 'task.delete') {
        await this.confirmed(entry, null); // already gone: what the user wanted
      } else if (reply.code === 'rate_limited' || reply.code === 'unavailable') {
        return 'retry';
      } else {
        await this.drop(entry);
        this.onRefused(entry, reply);
      }
    }
  }

  async confirmed(entry, result) {
    const rewritten = afterConfirmed(this.entries, entry, result);
    const byKey = new Map(rewritten.map((e) => [e.key, e]));
    const remaining = this.entries.filter((e) => e.key !== entry.key)
      .map((e) => byKey.get(e.key) ?? e);
    this.applyResult(entry, result);
    this.show(remaining);
    await this.persist({ put: rewritten, remove: [entry] });
  }

  /** The server's answer goes into the confirmed state with the overlay's removal (one render). */
  applyResult(entry, result) {
    if (!result) {
      if (entry.type === 'task.delete') this.store.removeTask(entry.data.id);
      return;
    }
    if (entry.type === 'task.delete') this.store.removeTask(result.id ?? entry.data.id);
    else if (entry.type.startsWith('column.')) this.store.upsertColumn(result);
    else this.store.upsertTask(result);
  }

  async conflicted(entry, current) {
    if (alreadyApplied(entry, current)) return this.confirmed(entry, current);
    // The server's value, confirmed: a delete's conflict carries the card as it is now.
    const kind = entry.type === 'task.delete' ? 'task.update' : entry.type;
    if (current) this.applyResult({ type: kind }, current);
    const parked = { ...entry, state: 'conflict', theirs: current };
    this.show(this.entries.map((e) => (e.key === entry.key ? parked : e)));
    await this.persist({ put: [parked] });
  }

  /**
   * Forget a change the server refused for good. A refused create takes the later changes of its
   * card with it (they have no card to change); a change chained to another refused one is sent
   * against the version it was made on, and gets its own answer, instead of waiting forever.
   */
  async drop(entry) {
    const [kind, id] = target(entry);
    const gone = entry.type === 'task.create'
      ? this.entries.filter((e) => target(e)[0] === kind && target(e)[1] === id)
      : [entry];
    const rebased = entry.type === 'task.create' ? [] : afterDropped(this.entries, entry);
    const byKey = new Map(rebased.map((e) => [e.key, e]));
    this.show(this.entries.filter((e) => !gone.some((g) => g.key === e.key))
      .map((e) => byKey.get(e.key) ?? e));
    await this.persist({ put: rebased, remove: gone });
  }

  /** "Keep mine": replay the change over the version the server has now. */
  async keepMine(key) {
    const entry = this.entries.find((e) => e.key === key && e.state === 'conflict');
    if (!entry) return;
    const base = entry.type === 'column.update'
      ? { name: entry.theirs?.name ?? entry.base?.name }
      : { version: entry.theirs?.version ?? entry.base?.version };
    const { theirs, ...rest } = entry;
    // A new command (a new decision, over a new version): a new ref.
    const retried = { ...rest, key: crypto.randomUUID(), state: 'queued', base };
    this.show(this.entries.map((e) => (e.key === entry.key ? retried : e)));
    await this.persist({ put: [retried], remove: [entry] });
    this.onResolved?.();
  }

  /** "Take theirs": forget the change; the changes chained to it are decided one by one. */
  async takeTheirs(key) {
    const entry = this.entries.find((e) => e.key === key && e.state === 'conflict');
    if (!entry) return;
    const rebased = afterDropped(this.entries, entry);
    const byKey = new Map(rebased.map((e) => [e.key, e]));
    this.show(this.entries.filter((e) => e.key !== entry.key).map((e) => byKey.get(e.key) ?? e));
    await this.persist({ put: rebased, remove: [entry] });
    this.onResolved?.();
  }

  close() {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.channel?.close();
    this.settleOverlay();
    this.listeners.clear();
  }
}
