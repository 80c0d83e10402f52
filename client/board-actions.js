// Writes to a board, each shown at once (optimistic overlay) and rolled back with a toast if the
// server refuses. REST while online: a request's answer maps to exactly one overlay to settle.
// Offline (or when a request cannot reach the server) the five changes a card board lives on
// (add, edit, move and delete a card, rename a column) go to the outbox instead (outbox.js), to
// be replayed through the socket when it is back; every other write still needs the network.
import * as api from './api.js';
import { between, placementBody } from './order.js';
import { memberId } from './store.js';
import { toast, toastError } from './toast.js';
import { placeOf } from './undo-plan.js';

let tempIds = 0;
const nextTempId = () => --tempIds; // negative: never collides with a server id

export class BoardActions {
  constructor(store, boardId) {
    this.store = store;
    this.boardId = boardId;
    this.queues = new Map(); // task id -> promise of its last request
    this.undo = null; // offers "Undo" after each delete, move and edit that succeeded (undo.js)
    this.outbox = null; // set by the board view (outbox.js)
    this.offline = () => false; // set by the board view: the socket is down, writes queue
  }

  /** Queue rather than send: known to be offline, with an outbox to queue in (or the card was
   * itself added offline and waits there: it has no server id to send yet). */
  queueing(taskId = null) {
    if (this.outbox === null) return false;
    return this.offline() || (taskId !== null && taskId < 0 && this.outbox.has('task', taskId));
  }

  /** What deleting `task` will do, for its confirmation: offline there is no Undo yet. */
  deleteMessage(task) {
    if (task.id < 0) return 'It was added offline and not sent yet: it is simply dropped.';
    if (this.queueing()) {
      return 'You are offline: it is deleted once you are back online, then kept in the board’s'
        + ' trash for 30 days.';
    }
    return 'It goes to the board’s trash for 30 days; “Undo” brings it back.';
  }

  /** A request that never reached an answer (network): queue it, when the outbox can. */
  unreachable(error) {
    return error.status === 0 && this.outbox !== null;
  }

  /**
   * Run one task's requests one after another. Two quick moves of the same card must not race:
   * the second needs the version the first one produced, or the server would answer 412.
   */
  serial(taskId, run) {
    const previous = this.queues.get(taskId) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(run);
    this.queues.set(taskId, next);
    next.catch(() => {}).finally(() => {
      if (this.queues.get(taskId) === next) this.queues.delete(taskId);
    });
    return next;
  }

  /** The newest version we know, read when the request leaves (after our earlier ones). */
  latestVersion(task) {
    return this.store.tasks.get(task.id)?.version ?? task.version;
  }

  /** Ids present now: a confirmed item that is not among them may be the one we just created. */
  snapshotIds(map) {
    return new Set(map.keys());
  }

  columnName(id) {
    return this.store.view().columns.find((c) => c.id === id)?.name ?? 'another column';
  }

  /** "Now: “Title” in Done" — the current value after a conflict. */
  describeTask(task) {
    return `Now: “${task.title}” in ${this.columnName(task.column_id)}`;
  }

  // Tasks

  async createTask(columnId, title) {
    if (this.queueing()) return this.queueCreate(columnId, title, null);
    const key = crypto.randomUUID(); // a retry (or the outbox's replay) creates it once
    const id = nextTempId();
    const now = new Date().toISOString();
    const known = this.snapshotIds(this.store.tasks);
    const settle = this.store.optimistic((draft) => {
      // Our own task.created event can beat the HTTP answer: then show it once, not twice.
      for (const t of draft.tasks.values()) {
        if (!known.has(t.id) && t.id > 0 && t.title === title && t.column_id === columnId) return;
      }
      const last = [...draft.tasks.values()]
        .filter((t) => t.column_id === columnId)
        .reduce((max, t) => (max === null || t.position > max ? t.position : max), null);
      draft.tasks.set(id, {
        id, board_id: this.boardId, column_id: columnId, title, description: '',
        position: between(last, null), assignee_id: null, due_date: null, version: 0,
        created_at: now, updated_at: now, pending: true,
      });
    });
    try {
      const task = await api.createTask(this.boardId, { title, column_id: columnId }, key);
      settle(() => this.store.upsertTask(task));
      return task;
    } catch (error) {
      settle();
      if (this.unreachable(error)) return this.queueCreate(columnId, title, key);
      toastError(`Could not add “${title}”`, { detail: error.message });
      return null;
    }
  }

  /**
   * Save edited fields against `baseVersion` (the version the user started from), so a change
   * made by someone else meanwhile answers 412 instead of being overwritten.
   * Returns {task} or {conflict: currentTask} or {error}.
   */
  async updateTask(taskId, fields, baseVersion) {
    const before = this.store.tasks.get(taskId);
    if (this.queueing()) return this.queueUpdate(taskId, fields, baseVersion);
    const settle = this.store.optimistic((draft) => {
      const current = draft.tasks.get(taskId);
      if (current) draft.tasks.set(taskId, { ...current, ...fields });
    });
    try {
      const task = await this.serial(taskId, () => api.updateTask(taskId, fields, baseVersion));
      settle(() => this.store.upsertTask(task));
      if (before) this.undo?.afterTaskEdit(before, fields, task);
      return { task };
    } catch (error) {
      if (error.status === 412 && error.detail?.id === taskId) {
        settle(() => this.store.upsertTask(error.detail));
        return { conflict: error.detail };
      }
      settle();
      if (this.unreachable(error)) return this.queueUpdate(taskId, fields, baseVersion);
      if (error.status === 404) this.store.removeTask(taskId);
      return { error };
    }
  }

  /** Move a task to `columnId`, landing before `beforeId` / after `afterId` (either may be null). */
  async moveTask(task, { columnId, beforeId = null, afterId = null }) {
    if (this.queueing(task.id)) return this.queueMove(task, { columnId, beforeId, afterId });
    const place = placeOf(this.store.view(), task.id);
    const settle = this.store.optimistic((draft) => {
      const current = draft.tasks.get(task.id);
      if (!current) return;
      const lo = afterId != null ? draft.tasks.get(afterId)?.position : null;
      const hi = beforeId != null ? draft.tasks.get(beforeId)?.position : null;
      const position =
        afterId == null && beforeId == null
          ? between(lastPosition(draft.tasks, columnId, task.id), null)
          : between(lo ?? null, hi ?? null);
      draft.tasks.set(task.id, { ...current, column_id: columnId, position });
    });
    try {
      const body = { column_id: columnId, ...placementBody({ beforeId, afterId }) };
      const updated = await this.serial(task.id,
        () => api.updateTask(task.id, body, this.latestVersion(task)));
      settle(() => this.store.upsertTask(updated));
      if (place) this.undo?.afterTaskMove(task, place, updated);
      return true;
    } catch (error) {
      if (error.status === 412 && error.detail?.id === task.id) {
        const current = error.detail;
        settle(() => this.store.upsertTask(current));
        toast(`“${task.title}” was changed by someone else, so it was not moved`, {
          kind: 'conflict',
          detail: this.describeTask(current),
          action: {
            label: 'Move anyway',
            run: () => this.moveTask(current, { columnId, beforeId, afterId }),
          },
        });
        return false;
      }
      settle();
      if (this.unreachable(error)) return this.queueMove(task, { columnId, beforeId, afterId });
      toastError(`Could not move “${task.title}”`, { detail: error.message });
      return false;
    }
  }

  /** `version`: the one the user looked at (editor); default: the newest we know. */
  async deleteTask(task, { version = null } = {}) {
    if (this.queueing() || task.id < 0) return this.queueDelete(task, version);
    const settle = this.store.optimistic((draft) => draft.tasks.delete(task.id));
    try {
      await this.serial(task.id, () => api.deleteTask(task.id, version ?? this.latestVersion(task)));
      settle(() => this.store.removeTask(task.id));
      this.undo?.afterTaskDelete(task);
      return true;
    } catch (error) {
      if (error.status === 404) {
        settle(() => this.store.removeTask(task.id)); // already gone: the goal is reached
        return true;
      }
      if (error.status === 412 && error.detail?.id === task.id) {
        const current = error.detail;
        settle(() => this.store.upsertTask(current));
        toast(`“${task.title}” was changed by someone else, so it was not deleted`, {
          kind: 'conflict',
          detail: this.describeTask(current),
          action: { label: 'Delete anyway', run: () => this.deleteTask(current) },
        });
        return false;
      }
      settle();
      if (this.unreachable(error)) return this.queueDelete(task, version);
      toastError(`Could not delete “${task.title}”`, { detail: error.message });
      return false;
    }
  }

  // Columns

  async createColumn(name) {
    const id = nextTempId();
    const known = this.snapshotIds(this.store.columns);
    const settle = this.store.optimistic((draft) => {
      for (const c of draft.columns.values()) {
        if (!known.has(c.id) && c.id > 0 && c.name === name) return; // see createTask
      }
      const last = [...draft.columns.values()].reduce(
        (max, c) => (max === null || c.position > max ? c.position : max), null);
      draft.columns.set(id, { id, board_id: this.boardId, name, position: between(last, null),
        pending: true });
    });
    try {
      const column = await api.createColumn(this.boardId, name);
      settle(() => this.store.upsertColumn(column));
      return column;
    } catch (error) {
      settle();
      toastError(`Could not add column “${name}”`, { detail: error.message });
      return null;
    }
  }

  async renameColumn(column, name) {
    if (this.queueing()) return this.queueRename(column, name);
    return this.patchColumn(column, { name }, (c) => ({ ...c, name }), 'rename');
  }

  async moveColumn(column, { beforeId = null, afterId = null }) {
    return this.patchColumn(
      column,
      placementBody({ beforeId, afterId }),
      (c, draft) => {
        const lo = afterId != null ? draft.columns.get(afterId)?.position : null;
        const hi = beforeId != null ? draft.columns.get(beforeId)?.position : null;
        return { ...c, position: between(lo ?? null, hi ?? null) };
      },
      'move',
    );
  }

  async patchColumn(column, body, change, verb) {
    const settle = this.store.optimistic((draft) => {
      const current = draft.columns.get(column.id);
      if (current) draft.columns.set(column.id, change(current, draft));
    });
    try {
      const updated = await api.updateColumn(column.id, body);
      settle(() => this.store.upsertColumn(updated));
      return true;
    } catch (error) {
      settle();
      if (verb === 'rename' && this.unreachable(error)) return this.queueRename(column, body.name);
      toastError(`Could not ${verb} column “${column.name}”`, { detail: error.message });
      return false;
    }
  }

  async deleteColumn(column) {
    const settle = this.store.optimistic((draft) => draft.columns.delete(column.id));
    try {
      await api.deleteColumn(column.id);
      settle(() => this.store.removeColumn(column.id));
      this.undo?.afterColumnDelete(column);
      return true;
    } catch (error) {
      settle();
      if (error.status === 409) {
        toast(`Column “${column.name}” still holds cards`, {
          kind: 'conflict',
          detail: 'Move or delete its cards first, then delete the column.',
        });
      } else {
        toastError(`Could not delete column “${column.name}”`, { detail: error.message });
      }
      return false;
    }
  }

  // The outbox: the same five changes, queued while offline (see outbox-plan.js for entries)

  async queueCreate(columnId, title, restKey) {
    const now = new Date().toISOString();
    const last = lastPosition(this.store.view().tasks, columnId, null);
    await this.outbox.add({
      type: 'task.create', tempId: nextTempId(), label: title, restKey,
      data: { title, column_id: columnId },
      show: { board_id: this.boardId, position: between(last, null), description: '',
        assignee_id: null, due_date: null, label_ids: [], version: 0, created_at: now,
        updated_at: now },
    });
    return null;
  }

  async queueUpdate(taskId, fields, baseVersion) {
    const title = this.store.view().tasks.get(taskId)?.title ?? '';
    await this.outbox.add({ type: 'task.update', label: fields.title ?? title,
      data: { id: taskId, ...fields }, base: { version: baseVersion } });
    return { queued: true };
  }

  async queueMove(task, { columnId, beforeId, afterId }) {
    const tasks = this.store.view().tasks;
    const lo = afterId != null ? tasks.get(afterId)?.position : null;
    const hi = beforeId != null ? tasks.get(beforeId)?.position : null;
    const position = afterId == null && beforeId == null
      ? between(lastPosition(tasks, columnId, task.id), null)
      : between(lo ?? null, hi ?? null);
    await this.outbox.add({ type: 'task.update', label: task.title, show: { position },
      data: { id: task.id, column_id: columnId, ...placementBody({ beforeId, afterId }) },
      base: { version: this.latestVersion(task) } });
    return true;
  }

  async queueDelete(task, version) {
    if (task.id < 0) { // made offline and not sent yet: nothing to tell the server
      await this.outbox?.cancelCreate(task.id);
      return true;
    }
    await this.outbox.add({ type: 'task.delete', label: task.title, data: { id: task.id },
      base: { version: version ?? this.latestVersion(task) } });
    return true;
  }

  async queueRename(column, name) {
    await this.outbox.add({ type: 'column.update', label: column.name,
      data: { id: column.id, name }, base: { name: column.name } });
    return true;
  }

  // Board and members

  async renameBoard(name) {
    const before = this.store.board.name;
    const settle = this.store.optimistic((draft) => {
      draft.board = { ...draft.board, name };
    });
    try {
      const board = await api.renameBoard(this.boardId, name);
      settle(() => this.store.updateBoard({ name: board.name }));
      return true;
    } catch (error) {
      settle();
      toastError(`Could not rename “${before}”`, { detail: error.message });
      return false;
    }
  }

  /** Not optimistic: we need the server to resolve the username to a user. Throws on error. */
  async addMember(username, role) {
    const member = await api.addMember(this.boardId, username, role);
    this.store.upsertMember(member);
    return member;
  }

  async removeMember(member) {
    const userId = memberId(member);
    const settle = this.store.optimistic((draft) => draft.members.delete(userId));
    try {
      await api.removeMember(this.boardId, userId);
      settle(() => this.store.removeMember(userId));
      return true;
    } catch (error) {
      settle();
      toastError(`Could not remove ${member.username}`, { detail: error.message });
      return false;
    }
  }
}

function lastPosition(tasks, columnId, exceptId) {
  let max = null;
  for (const t of tasks.values()) {
    if (t.column_id === columnId && t.id !== exceptId && (max === null || t.position > max)) {
      max = t.position;
    }
  }
  return max;
}
