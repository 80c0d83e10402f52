// The card editor dialog. It edits against the version the user opened: a teammate's change
// meanwhile is announced in the dialog (never silently applied), and saving sends that version
// in If-Match so the server answers 412 instead of overwriting their work.
import { ChecklistView } from './checklist-view.js';
import { CommentsView } from './comments-view.js';
import { confirmDialog } from './dialogs.js';
import { h, replace } from './dom.js';
import { formatDay, formatFull, fromDateInput, timeAgo, toDateInput } from './format.js';
import { labelPicker } from './label-picker.js';
import { memberId } from './store.js';
import { removeDialog, toast, toastError } from './toast.js';

const valuesOf = (task) => ({
  title: task.title,
  description: task.description ?? '',
  assignee_id: task.assignee_id ?? null,
  due: toDateInput(task.due_date),
  label_ids: task.label_ids ?? [],
});

const sameIds = (a, b) => a.length === b.length && a.every((id) => b.includes(id));

/** The request body: only the fields that differ from what the user started from. */
function diff(initial, values) {
  const body = {};
  if (values.title !== initial.title) body.title = values.title;
  if (values.description !== initial.description) body.description = values.description;
  if (values.assignee_id !== initial.assignee_id) body.assignee_id = values.assignee_id;
  if (values.due !== initial.due) body.due_date = fromDateInput(values.due);
  if (!sameIds(values.label_ids, initial.label_ids)) body.label_ids = values.label_ids;
  return body;
}

export class CardEditor {
  /** ctx: {store, actions, boardId, me, canEdit() -> bool, isOwner() -> bool, undo, announce} */
  constructor(ctx) {
    this.ctx = ctx;
    this.state = null;
    this.dialog = null;
  }

  isOpen() {
    return Boolean(this.dialog?.open);
  }

  /**
   * Open for `taskId`. After a failed save, `resume` carries {values, base, initial} to restore
   * the user's draft plus `conflict` (the server's current task) or `error`.
   */
  open(taskId, resume = null) {
    const { store } = this.ctx;
    const task = store.tasks.get(taskId);
    if (!task) return;
    this.close();
    // A card with changes queued offline opens as the board shows it: a further edit adds to
    // them (the outbox chains it to their version) instead of showing the older values.
    const shown = store.view().tasks.get(taskId);
    const values = valuesOf(shown?.sync === 'pending' ? shown : task);
    this.state = {
      taskId,
      base: resume?.base ?? task.version,
      initial: resume?.initial ?? values,
    };
    this.build(resume?.values ?? values);
    this.unsubscribe = store.subscribe((change) => this.onStoreChange(change));
    if (resume?.conflict) this.showConflict(resume.conflict);
    if (resume?.error) this.showError(resume.error.message);
  }

  close() {
    this.unsubscribe?.();
    this.unsubscribe = null;
    const dialog = this.dialog;
    this.dialog = null;
    if (dialog?.open) dialog.close();
    if (dialog) removeDialog(dialog);
  }

  build(values) {
    const { store } = this.ctx;
    const readOnly = !this.ctx.canEdit();
    const task = store.tasks.get(this.state.taskId);
    const view = store.view();
    const column = view.columns.find((c) => c.id === task.column_id);
    const creator = task.created_by != null ? view.membersById.get(task.created_by) : null;

    this.picker = labelPicker({ store, boardId: this.ctx.boardId, readOnly }, values.label_ids);
    const details = { store, taskId: task.id, me: this.ctx.me, canEdit: !readOnly,
      isOwner: this.ctx.isOwner, undo: this.ctx.undo, announce: this.ctx.announce };
    this.checklist = new ChecklistView(details);
    this.comments = new CommentsView(details);
    const f = (this.fields = {
      title: h('textarea', { id: 'editor-title', class: 'input editor-title-input', rows: 1,
        required: true, maxlength: 200, testid: 'editor-title', readonly: readOnly }),
      description: h('textarea', { id: 'editor-description', class: 'input', rows: 6,
        maxlength: 10000, testid: 'editor-description', readonly: readOnly,
        placeholder: readOnly ? '' : 'Add details, links, acceptance criteria…' }),
      assignee: h('select', { id: 'editor-assignee', class: 'input', testid: 'editor-assignee',
        disabled: readOnly },
        h('option', { value: '' }, 'Unassigned'),
        view.members.map((m) => h('option', { value: memberId(m) }, m.username))),
      due: h('input', { id: 'editor-due', class: 'input', type: 'date', testid: 'editor-due',
        readonly: readOnly }),
    });
    this.fill(values);

    this.notice = h('div', { class: 'notice', role: 'status', testid: 'editor-notice', hidden: true });
    this.conflict = h('div', { class: 'notice notice-conflict', role: 'alert',
      testid: 'editor-conflict', hidden: true });
    this.errorBox = h('p', { class: 'form-message', role: 'alert', dataset: { kind: 'error' },
      testid: 'editor-error', hidden: true });

    const actions = readOnly
      ? [h('button', { type: 'button', class: 'btn btn-primary', testid: 'editor-cancel',
          onclick: () => this.close() }, 'Close')]
      : [
          h('button', { type: 'button', class: 'btn btn-ghost btn-danger-text', testid: 'editor-delete',
            onclick: () => this.remove() }, 'Delete'),
          h('span', { class: 'spacer' }),
          h('button', { type: 'button', class: 'btn btn-ghost', testid: 'editor-cancel',
            onclick: () => this.close() }, 'Cancel'),
          h('button', { type: 'submit', class: 'btn btn-primary', testid: 'editor-save' }, 'Save'),
        ];

    const form = h('form', { class: 'dialog-body editor', novalidate: false },
      h('div', { class: 'dialog-head' },
        h('p', { class: 'editor-context muted' },
          readOnly ? 'View only · ' : '', 'in ', h('strong', {}, column?.name ?? '—')),
        h('button', { type: 'button', class: 'icon-btn', 'aria-label': 'Close',
          onclick: () => this.close() }, '×')),
      this.notice,
      this.conflict,
      this.errorBox,
      h('label', { class: 'sr-only', for: 'editor-title' }, 'Title'),
      f.title,
      h('div', { class: 'editor-columns' },
        h('div', { class: 'editor-main' },
          h('div', { class: 'field' }, h('label', { for: 'editor-description' }, 'Description'),
            f.description),
          h('div', { class: 'field-row' },
            h('div', { class: 'field' }, h('label', { for: 'editor-assignee' }, 'Assignee'),
              f.assignee),
            h('div', { class: 'field' }, h('label', { for: 'editor-due' }, 'Due date'),
              h('div', { class: 'input-with-button' }, f.due,
                readOnly ? null : h('button', { type: 'button', class: 'btn btn-ghost btn-small',
                  testid: 'editor-due-clear', onclick: () => { f.due.value = ''; } }, 'Clear')))),
          this.picker.el,
          h('p', { class: 'editor-meta muted' },
            creator ? `Created by ${creator.username} · ` : '',
            `updated ${timeAgo(task.updated_at)}`)),
        // Checklist and comments change at once (not with Save), so they sit apart.
        h('div', { class: 'editor-side' }, this.checklist.el, this.comments.el)),
      h('div', { class: 'dialog-actions' }, actions));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      if (!readOnly) this.save();
    });
    f.title.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.isComposing) {
        event.preventDefault(); // titles are one line; Enter saves like in a text field
        form.requestSubmit();
      }
    });
    f.title.addEventListener('input', () => autosize(f.title));

    const dialog = h('dialog', { class: 'dialog dialog-editor', testid: 'card-editor',
      'aria-label': `Card: ${task.title}`, dataset: { taskId: task.id } }, form);
    dialog.addEventListener('close', () => {
      if (this.dialog === dialog) this.close(); // Escape; a reopened editor is another dialog
    });
    this.dialog = dialog;
    document.body.append(dialog);
    dialog.showModal();
    autosize(f.title);
    if (!readOnly) {
      f.title.focus();
      f.title.setSelectionRange(f.title.value.length, f.title.value.length);
    }
  }

  fill(values) {
    const f = this.fields;
    f.title.value = values.title;
    f.description.value = values.description;
    f.assignee.value = values.assignee_id == null ? '' : String(values.assignee_id);
    if (values.assignee_id != null && f.assignee.value !== String(values.assignee_id)) {
      // Assigned to someone no longer in the member list: keep it visible rather than drop it.
      f.assignee.append(h('option', { value: values.assignee_id }, `User #${values.assignee_id}`));
      f.assignee.value = String(values.assignee_id);
    }
    f.due.value = values.due;
    this.picker.set(values.label_ids);
    autosize(f.title);
  }

  read() {
    const f = this.fields;
    return {
      title: f.title.value.trim(),
      description: f.description.value,
      assignee_id: f.assignee.value === '' ? null : Number(f.assignee.value),
      due: f.due.value,
      label_ids: this.picker.value(),
    };
  }

  /** Someone else changed (or deleted) this card while the dialog is open. */
  onStoreChange(change) {
    if (!this.state) return;
    const { taskId, base } = this.state;
    const current = this.ctx.store.tasks.get(taskId);
    if (change.type === 'event' || change.type === 'local') this.picker.render();
    if (change.type === 'event') {
      const { event } = change;
      this.comments.onEvent(event);
      this.checklist.onEvent(event);
      if (!event.name?.startsWith('task.') || event.data?.id !== taskId) return;
      const who = event.actor?.id === this.ctx.me?.id ? 'you (in another window)' : event.actor?.username;
      if (event.name === 'task.deleted') this.showDeleted(who);
      else if (current && current.version > base) this.showChanged(current, who);
    } else if (change.type === 'load') {
      if (!current) this.showDeleted(null);
      else if (current.version > base) this.showChanged(current, null);
    }
  }

  showChanged(current, who) {
    const changed = Object.keys(diff(this.state.initial, valuesOf(current)));
    replace(this.notice,
      h('p', {}, h('strong', {}, `Changed by ${who || 'someone else'}`),
        changed.length ? ` (${changed.map(fieldName).join(', ')})` : '',
        '. Your edits are not saved yet.'),
      h('div', { class: 'notice-actions' },
        h('button', { type: 'button', class: 'btn btn-small', testid: 'editor-reload',
          onclick: () => this.useTheirs(this.ctx.store.tasks.get(this.state.taskId)) },
        'Reload values'),
        h('button', { type: 'button', class: 'btn btn-small btn-ghost', testid: 'editor-keep',
          onclick: () => { this.notice.hidden = true; } }, 'Keep mine')));
    this.notice.dataset.kind = 'changed';
    this.notice.hidden = false;
  }

  showDeleted(who) {
    replace(this.notice,
      h('p', {}, h('strong', {}, `Deleted by ${who || 'someone else'}`),
        '. This card no longer exists; saving is not possible.'),
      h('div', { class: 'notice-actions' },
        h('button', { type: 'button', class: 'btn btn-small', testid: 'editor-close-deleted',
          onclick: () => this.close() }, 'Close')));
    this.notice.dataset.kind = 'deleted';
    this.notice.hidden = false;
    this.dialog.querySelector('[data-testid="editor-save"]')?.setAttribute('disabled', '');
  }

  /** The save was refused with 412: show what the card holds now and let the user choose. */
  showConflict(current) {
    const view = this.ctx.store.view();
    const mine = this.read();
    const theirs = valuesOf(current);
    const rows = [
      ['Title', theirs.title, mine.title !== theirs.title],
      ['Description', theirs.description || '—', mine.description !== theirs.description],
      ['Assignee', theirs.assignee_id == null ? 'Unassigned'
        : view.membersById.get(theirs.assignee_id)?.username ?? `User #${theirs.assignee_id}`,
      mine.assignee_id !== theirs.assignee_id],
      ['Due date', current.due_date ? formatDay(current.due_date) : 'None', mine.due !== theirs.due],
      ['Labels', theirs.label_ids.map((id) => view.labelsById.get(id)?.name).filter(Boolean)
        .join(', ') || 'None', !sameIds(mine.label_ids, theirs.label_ids)],
    ];
    replace(this.conflict,
      h('p', {}, h('strong', {}, 'Not saved: someone changed this card while you were editing.'),
        ` Current version (saved ${formatFull(current.updated_at)}):`),
      h('dl', { class: 'conflict-values', testid: 'editor-conflict-values' },
        rows.map(([label, value, differs]) => [
          h('dt', {}, label),
          h('dd', { class: differs ? 'differs' : null }, value),
        ])),
      h('div', { class: 'notice-actions' },
        h('button', { type: 'button', class: 'btn btn-small', testid: 'editor-use-theirs',
          onclick: () => this.useTheirs(current) }, 'Use theirs'),
        h('button', { type: 'button', class: 'btn btn-small btn-primary', testid: 'editor-overwrite',
          onclick: () => this.overwrite(current) }, 'Overwrite with mine')));
    this.conflict.hidden = false;
    this.notice.hidden = true;
  }

  showError(message) {
    this.errorBox.textContent = `Not saved: ${message}`;
    this.errorBox.hidden = false;
  }

  useTheirs(current) {
    if (!current) return;
    this.state.base = current.version;
    this.state.initial = valuesOf(current);
    this.fill(this.state.initial);
    this.notice.hidden = true;
    this.conflict.hidden = true;
    this.fields.title.focus();
  }

  overwrite(current) {
    // Re-apply only the fields the user edited on top of their version: fields the user did not
    // touch keep the teammate's values instead of being reverted to what the dialog first showed.
    const mine = this.read();
    const merged = valuesOf(current);
    const { initial } = this.state;
    for (const key of Object.keys(merged)) {
      const edited = key === 'label_ids' ? !sameIds(mine[key], initial[key]) : mine[key] !== initial[key];
      if (edited) merged[key] = mine[key];
    }
    this.state.base = current.version;
    this.state.initial = valuesOf(current);
    this.fill(merged);
    this.save();
  }

  async save() {
    const values = this.read();
    if (!values.title) return this.fields.title.focus();
    const { taskId, base, initial } = this.state;
    const body = diff(initial, values);
    this.close(); // optimistic: the card already shows the change
    if (Object.keys(body).length === 0) return;
    const result = await this.ctx.actions.updateTask(taskId, body, base);
    if (result.task || result.queued) return; // queued: saved in the outbox, replayed online
    const resume = { values, base, initial };
    // Reopen the editor before the toast, so the toast stacks above the dialog, not under it.
    if (result.conflict) {
      if (!this.isOpen()) this.open(taskId, { ...resume, conflict: result.conflict });
      toast('Not saved: the card was changed meanwhile', { kind: 'conflict',
        detail: `Now: “${result.conflict.title}”` });
    } else if (result.error?.status === 404) {
      toastError('Not saved: the card was deleted');
    } else {
      if (!this.isOpen()) this.open(taskId, { ...resume, error: result.error });
      toastError('Could not save the card', { detail: result.error?.message });
    }
  }

  async remove() {
    const task = this.ctx.store.tasks.get(this.state.taskId);
    if (!task) return this.close();
    const base = this.state.base;
    const ok = await confirmDialog({ title: `Delete “${task.title}”?`,
      message: this.ctx.actions.deleteMessage(task),
      confirmLabel: 'Delete card',
      danger: true });
    if (!ok) return;
    this.close();
    // The version the user looked at: if it changed meanwhile the server refuses (412).
    this.ctx.actions.deleteTask(task, { version: base });
  }
}

function fieldName(key) {
  return { title: 'title', description: 'description', assignee_id: 'assignee', due_date: 'due date',
    label_ids: 'labels' }[key] ?? key;
}

function autosize(textarea) {
  textarea.style.height = 'auto';
  textarea.style.height = `${textarea.scrollHeight}px`;
}
