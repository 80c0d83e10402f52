// "Undo" in a toast after each of the user's own deletes, moves and edits. An undo is a new change:
// a delete is restored from the trash (same id, same place); a move or an edit is a PATCH back to
// the previous values with If-Match of the version our change produced, so a change someone made
// since is never overwritten without asking.
import * as api from './api.js';
import { confirmDialog } from './dialogs.js';
import { editBackBody, moveBackBody, undoCheck, whoChanged } from './undo-plan.js';
import { toast, toastError } from './toast.js';

const UNDO_MS = 15_000;
const WHO_WAIT_MS = 1_500;

export class Undo {
  /** ctx: {store, actions, me} */
  constructor(ctx) {
    this.ctx = ctx;
    this.closeOffer = null;
  }

  /** Who made the card's `current` version. A 412 can beat the event that says so: wait a moment. */
  changer(current) {
    const { store } = this.ctx;
    const known = store.changedBy(current.id, current.version);
    if (known) return Promise.resolve(known);
    return new Promise((resolve) => {
      const done = (actor) => {
        clearTimeout(timer);
        unsubscribe();
        resolve(actor);
      };
      const unsubscribe = store.subscribe(() => {
        const actor = store.changedBy(current.id, current.version);
        if (actor) done(actor);
      });
      const timer = setTimeout(() => done(null), WHO_WAIT_MS);
    });
  }

  /** One offer at a time: a newer change's "Undo" replaces the previous one. */
  offer(message, run) {
    this.closeOffer?.();
    let taken = false;
    this.run = () => { // once: a double click or a key after the click must not undo twice
      if (taken) return;
      taken = true;
      run();
    };
    this.closeOffer = toast(message, { kind: 'success', timeout: UNDO_MS,
      action: { label: 'Undo', testid: 'toast-undo', run: this.run, shortcut: 'Control+Z Meta+Z',
        title: 'Undo (Ctrl+Z)' } });
  }

  /** Ctrl+Z / Cmd+Z outside text fields and dialogs runs the offer; returns the cleanup. */
  listenForKeys() {
    const onKey = (event) => {
      if (!(event.ctrlKey || event.metaKey) || event.shiftKey || event.altKey) return;
      if (event.key.toLowerCase() !== 'z' || document.querySelector('dialog[open]')) return;
      if (event.target.closest?.('input, textarea, select, [contenteditable]')) return;
      if (this.runLatest()) event.preventDefault();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }

  /** Take the offer still showing, if any. Returns whether there was one. */
  runLatest() {
    if (!this.closeOffer?.isShown()) return false;
    this.closeOffer();
    this.run();
    return true;
  }

  afterTaskDelete(task) {
    this.offer(`Deleted “${task.title}”`, () => this.restoreTask(task));
  }

  afterTaskMove(task, place, updated) {
    this.offer(`Moved “${task.title}”`, () =>
      this.patchBack(updated, () => moveBackBody(place, this.ctx.store.tasks), 'move'));
  }

  afterTaskEdit(before, fields, updated) {
    this.offer(`Saved “${updated.title}”`, () =>
      this.patchBack(updated, () => editBackBody(before, fields), 'edit'));
  }

  afterColumnDelete(column) {
    this.offer(`Deleted column “${column.name}”`, () => this.restoreColumn(column));
  }

  afterCommentDelete(comment, onRestored) {
    this.offer('Comment deleted', async () => {
      try {
        onRestored(await api.restoreComment(comment.id));
      } catch (error) {
        toastError('Could not restore the comment', { detail: error.message });
      }
    });
  }

  async restoreTask(task) {
    const { store } = this.ctx;
    try {
      store.restoreTask(await api.restoreTask(task.id));
      toast(`Restored “${task.title}”`, { kind: 'info' });
    } catch (error) {
      const detail = error.status === 409 ? 'Its column was deleted: restore the column first.'
        : error.status === 404 ? 'It is no longer in the trash.' : error.message;
      toastError(`Could not restore “${task.title}”`, { detail });
    }
  }

  async restoreColumn(column) {
    try {
      this.ctx.store.restoreColumn(await api.restoreColumn(column.id));
      toast(`Restored column “${column.name}”`, { kind: 'info' });
    } catch (error) {
      toastError(`Could not restore column “${column.name}”`, { detail: error.message });
    }
  }

  /**
   * PATCH `body()` against `produced` (the task our change left). When the card changed since, the
   * user is asked first; "Overwrite" then sends against the version they were shown.
   */
  async patchBack(produced, body, verb) {
    const { store, actions } = this.ctx;
    let version = produced.version;
    const current = store.tasks.get(produced.id);
    const check = undoCheck(current, version);
    if (check === 'gone') {
      toastError(`Cannot undo: “${produced.title}” was deleted`);
      return false;
    }
    if (check === 'ask') {
      if (!(await this.askOverwrite(current))) return false;
      version = current.version;
    }
    for (;;) {
      try {
        const task = await actions.serial(produced.id,
          () => api.updateTask(produced.id, body(), version));
        store.upsertTask(task);
        toast(`Undone: “${task.title}”`, { kind: 'info' });
        return true;
      } catch (error) {
        if (error.status === 412 && error.detail?.id === produced.id) {
          store.upsertTask(error.detail);
          if (!(await this.askOverwrite(error.detail))) return false;
          version = error.detail.version;
          continue;
        }
        toastError(`Could not undo the ${verb} of “${produced.title}”`, { detail: error.message });
        return false;
      }
    }
  }

  async askOverwrite(current) {
    const who = whoChanged(await this.changer(current), this.ctx.me);
    return confirmDialog({
      title: `${who} changed this card since. Overwrite?`,
      message: `“${current.title}” was changed after your change. Undoing now replaces that ` +
        'change with the values from before yours.',
      confirmLabel: 'Overwrite', danger: true, testid: 'undo-conflict-dialog',
    });
  }
}
