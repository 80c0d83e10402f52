// Board state: the server's truth (snapshot + events in seq order + REST answers) and, on top,
// optimistic overlays that are dropped again when their request settles. Rendering reads `view()`;
// rolling back is just removing an overlay, so a failed write never clobbers newer server state.
import { sortByPosition } from './order.js';

const byId = (items, key = 'id') => new Map(items.map((item) => [item[key], item]));
const COUNTERS = ['comment_count', 'checklist_total', 'checklist_done'];
export const memberId = (m) => m.user_id ?? m.id;

export class BoardStore {
  constructor(snapshot) {
    this.listeners = new Set();
    this.overlays = new Map();
    this.nextOverlayId = 1;
    this.load(snapshot);
  }

  /** Replace everything with a snapshot (first load and after `resync`). */
  load(snapshot) {
    const { columns = [], tasks = [], members = [], labels = [], ...board } = snapshot;
    this.board = board;
    this.seq = snapshot.seq ?? 0;
    this.columns = byId(columns);
    this.tasks = byId(tasks);
    this.members = new Map(members.map((m) => [memberId(m), m]));
    this.labels = byId(labels);
    // Who made each task's latest version we heard of (from events): an undo that meets a
    // newer version names them.
    this.changers = new Map();
    // Ids deleted by our own REST calls: an older event still in flight must not resurrect them.
    this.deletedTasks = new Set();
    this.deletedColumns = new Set();
    this.changed({ type: 'load' });
  }

  subscribe(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  changed(change) {
    this.cachedView = null;
    for (const listener of [...this.listeners]) listener(change);
  }

  /**
   * Apply one `event` frame. Returns 'applied', 'stale' (seq already seen) or 'gap' (an event is
   * missing: the caller must resume from `this.seq`).
   */
  applyEvent(frame) {
    if (frame.seq <= this.seq) return 'stale';
    if (frame.seq > this.seq + 1) return 'gap';
    this.seq = frame.seq;
    this.board = { ...this.board, seq: frame.seq };
    const data = frame.data || {};
    // What the event changed, as it was: the task (or column) before it (for announcements).
    const before = frame.name?.startsWith('task.') ? this.tasks.get(data.id)
      : frame.name?.startsWith('column.') ? this.columns.get(data.id) : undefined;
    switch (frame.name) {
      case 'board.updated': {
        const { columns, tasks, members, role, ...fields } = data;
        this.board = { ...this.board, ...fields };
        break;
      }
      case 'column.created':
      case 'column.updated':
        if (!this.deletedColumns.has(data.id)) this.columns.set(data.id, data);
        break;
      case 'column.restored':
        this.deletedColumns.delete(data.id);
        this.columns.set(data.id, data);
        break;
      case 'column.deleted':
        this.columns.delete(data.id);
        break;
      case 'task.created':
      case 'task.updated':
        this.putTask(data);
        this.noteChanger(data, frame.actor);
        break;
      case 'task.restored': // same id, back at its place, with a version above the deleted one
        this.deletedTasks.delete(data.id);
        this.putTask(data);
        this.noteChanger(data, frame.actor);
        break;
      case 'task.deleted':
        this.tasks.delete(data.id);
        break;
      case 'label.created':
      case 'label.updated':
        this.labels.set(data.id, data);
        break;
      case 'label.deleted': // taken off every card by the server, without a version bump
        this.dropLabel(data.id);
        break;
      case 'tasks.rebalanced': // fresh positions (and versions) for every task of a column
        for (const fresh of data.tasks || []) {
          const current = this.tasks.get(fresh.id);
          if (current) this.putTask({ ...current, ...fresh });
        }
        break;
      case 'columns.rebalanced': // fresh positions for every column of the board
        for (const fresh of data.columns || []) {
          const current = this.columns.get(fresh.id);
          if (current) this.columns.set(fresh.id, { ...current, ...fresh });
        }
        break;
      case 'member.added':
        this.members.set(memberId(data), data);
        break;
      case 'member.removed':
        this.members.delete(memberId(data));
        break;
      case 'board.restored': {
        const { columns, tasks, members, labels, role, ...fields } = data;
        this.board = { ...this.board, ...fields };
        break;
      }
      case 'comment.created':
      case 'comment.updated':
      case 'comment.deleted':
      case 'comment.restored':
      case 'checklist.created':
      case 'checklist.updated':
      case 'checklist.deleted':
      case 'checklist.rebalanced':
        // The card's counters after the change; the items themselves live in the open
        // editor (details.js).
        if (data.task) this.putCounters(data.task);
        break;
      default:
        break; // board.deleted is handled by the session; unknown kinds only advance seq
    }
    this.changed({ type: 'event', event: frame, before });
    return 'applied';
  }

  putTask(task) {
    if (this.deletedTasks.has(task.id)) return;
    const current = this.tasks.get(task.id);
    // Events and REST answers race; a task's version says which is newer.
    if (current && current.version > task.version) return;
    if (current && current.version === task.version) {
      // Counters move without a version, only through events: an answer to one of our
      // requests for this same version may predate the latest of them.
      const counters = {};
      for (const key of COUNTERS) counters[key] = current[key] ?? task[key];
      this.tasks.set(task.id, { ...task, ...counters });
      return;
    }
    this.tasks.set(task.id, task);
  }

  noteChanger(task, actor) {
    const known = this.changers.get(task.id);
    if (actor && !(known?.version > task.version)) {
      this.changers.set(task.id, { actor, version: task.version });
    }
  }

  /** Who made `version` of a task (or a later one), if an event told us; else null. */
  changedBy(taskId, version) {
    const known = this.changers.get(taskId);
    return known && known.version >= version ? known.actor : null;
  }

  /** Comment and checklist counters change without a task version: merge them as they come. */
  putCounters({ id, ...counters }) {
    const current = this.tasks.get(id);
    if (current) this.tasks.set(id, { ...current, ...counters });
  }

  // Server answers to our own REST writes.
  upsertTask(task) {
    this.putTask(task);
    this.changed({ type: 'local' });
  }
  /** A task we restored (undo, trash): forget that we deleted it. */
  restoreTask(task) {
    this.deletedTasks.delete(task.id);
    this.upsertTask(task);
  }
  restoreColumn(column) {
    this.deletedColumns.delete(column.id);
    this.upsertColumn(column);
  }
  upsertLabel(label) {
    this.labels.set(label.id, label);
    this.changed({ type: 'local' });
  }
  /** A label we deleted: off every card too, as the server did (no version change). */
  removeLabel(id) {
    this.dropLabel(id);
    this.changed({ type: 'local' });
  }
  dropLabel(id) {
    this.labels.delete(id);
    for (const [taskId, task] of this.tasks) {
      if (task.label_ids?.includes(id)) {
        this.tasks.set(taskId, { ...task, label_ids: task.label_ids.filter((l) => l !== id) });
      }
    }
  }
  removeTask(id) {
    this.deletedTasks.add(id);
    this.tasks.delete(id);
    this.changed({ type: 'local' });
  }
  upsertColumn(column) {
    if (!this.deletedColumns.has(column.id)) this.columns.set(column.id, column);
    this.changed({ type: 'local' });
  }
  removeColumn(id) {
    this.deletedColumns.add(id);
    this.columns.delete(id);
    this.changed({ type: 'local' });
  }
  updateBoard(fields) {
    const { role, ...rest } = fields; // our role comes from the snapshot only
    this.board = { ...this.board, ...rest };
    this.changed({ type: 'local' });
  }
  upsertMember(member) {
    this.members.set(memberId(member), member);
    this.changed({ type: 'local' });
  }
  removeMember(userId) {
    this.members.delete(userId);
    this.changed({ type: 'local' });
  }

  /**
   * Show a change before the server confirms it. `apply(draft)` edits a draft
   * `{board, columns, tasks, members}` (Maps; replace entries, never mutate them).
   * Returns `settle(confirm?)`: removes the overlay and, in the same render, applies the
   * server's answer via `confirm()` (omit it to roll back).
   */
  optimistic(apply) {
    const id = this.nextOverlayId++;
    this.overlays.set(id, apply);
    this.changed({ type: 'local' });
    return (confirm) => {
      this.overlays.delete(id);
      if (confirm) confirm(); // emits
      else this.changed({ type: 'local' });
    };
  }

  /** What the user sees: confirmed state plus pending overlays, sorted for display. */
  view() {
    if (this.cachedView) return this.cachedView;
    const draft = {
      board: this.board,
      columns: new Map(this.columns),
      tasks: new Map(this.tasks),
      members: new Map(this.members),
      labels: new Map(this.labels),
    };
    for (const apply of this.overlays.values()) apply(draft);
    const columns = sortByPosition(draft.columns.values());
    const tasksByColumn = new Map(columns.map((c) => [c.id, []]));
    for (const task of sortByPosition(draft.tasks.values())) {
      tasksByColumn.get(task.column_id)?.push(task);
    }
    const roleRank = { owner: 0, editor: 1, viewer: 2 };
    const members = [...draft.members.values()].sort(
      (a, b) => (roleRank[a.role] ?? 3) - (roleRank[b.role] ?? 3) ||
        (a.username < b.username ? -1 : a.username > b.username ? 1 : 0),
    );
    this.cachedView = {
      board: draft.board,
      role: this.board.role,
      canEdit: this.board.role === 'owner' || this.board.role === 'editor',
      isOwner: this.board.role === 'owner',
      columns,
      tasksByColumn,
      tasks: draft.tasks,
      members,
      membersById: new Map(members.map((m) => [memberId(m), m])),
      labels: [...draft.labels.values()].sort((a, b) =>
        a.name.localeCompare(b.name) || a.id - b.id),
      labelsById: draft.labels,
    };
    return this.cachedView;
  }

  /** The confirmed state, without optimistic overlays, in the shape `load()` takes. */
  toSnapshot() {
    return {
      ...this.board,
      seq: this.seq,
      columns: [...this.columns.values()],
      tasks: [...this.tasks.values()],
      members: [...this.members.values()],
      labels: [...this.labels.values()],
    };
  }
}
