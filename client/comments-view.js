// A card's comments in its editor, oldest first: author and time, add, edit your own, delete your
// own (the board's owner any). Live from the board's comment.* events; deleting offers "Undo".
import * as api from './api.js';
import { avatar } from './avatar.js';
import { DetailList } from './details.js';
import { h, replace, syncChildren } from './dom.js';
import { formatFull, timeAgo } from './format.js';
import { toastError } from './toast.js';

/** ctx: {store, taskId, me, canEdit, isOwner, undo} */
export class CommentsView {
  constructor(ctx) {
    this.ctx = ctx;
    this.items = new DetailList({ taskId: ctx.taskId, kind: 'comment' });
    this.list = h('ol', { class: 'comment-list', testid: 'comment-list', 'aria-label': 'Comments' });
    this.status = h('p', { class: 'muted', testid: 'comments-status' }, 'Loading comments…');
    this.input = h('textarea', { class: 'input', id: 'comment-input', testid: 'comment-input',
      rows: 2, maxlength: 5000, placeholder: 'Write a comment…' });
    this.input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        this.add();
      }
    });
    const composer = ctx.canEdit
      ? h('div', { class: 'comment-composer' },
          h('label', { class: 'sr-only', for: 'comment-input' }, 'New comment'),
          this.input,
          h('button', { type: 'button', class: 'btn btn-small btn-primary', testid: 'comment-add',
            onclick: () => this.add() }, 'Comment'))
      : null;
    this.el = h('section', { class: 'editor-section', 'aria-labelledby': 'comments-title' },
      h('h2', { class: 'section-title', id: 'comments-title' }, 'Comments'),
      this.list, this.status, composer);
    this.load();
  }

  async load() {
    try {
      this.items.load(await api.listComments(this.ctx.taskId));
      this.status.hidden = true;
    } catch (error) {
      this.status.textContent = `Could not load comments: ${error.message}`;
    }
    this.render();
  }

  onEvent(frame) {
    if (this.items.apply(frame)) this.render();
  }

  async add() {
    const body = this.input.value.trim();
    if (!body) return this.input.focus();
    this.input.value = '';
    try {
      this.items.put(await api.createComment(this.ctx.taskId, body));
      this.render();
    } catch (error) {
      this.input.value ||= body;
      toastError('Could not add the comment', { detail: error.message });
    }
  }

  async remove(comment) {
    try {
      await api.deleteComment(comment.id);
      this.items.remove(comment.id);
      this.render();
      this.ctx.undo?.afterCommentDelete(comment, (restored) => {
        this.items.restore(restored);
        this.render();
      });
    } catch (error) {
      toastError('Could not delete the comment', { detail: error.message });
    }
  }

  edit(li, comment) {
    const text = h('textarea', { class: 'input', testid: `comment-edit-input-${comment.id}`, rows: 3,
      maxlength: 5000, 'aria-label': 'Edit comment' });
    text.value = comment.body;
    const done = () => {
      li.editing = false;
      li.signature = null;
      this.render();
      li.querySelector('.comment-actions button')?.focus();
    };
    const save = async () => {
      const body = text.value.trim();
      if (!body || body === comment.body) return done();
      try {
        this.items.put(await api.updateComment(comment.id, body));
        done();
      } catch (error) {
        toastError('Could not save the comment', { detail: error.message });
      }
    };
    text.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') {
        event.preventDefault();
        event.stopPropagation(); // close the edit, not the dialog
        done();
      } else if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        save();
      }
    });
    li.editing = true;
    replace(li.bodyEl, text, h('div', { class: 'comment-actions' },
      h('button', { type: 'button', class: 'btn btn-small btn-primary',
        testid: `comment-save-${comment.id}`, onclick: save }, 'Save'),
      h('button', { type: 'button', class: 'btn btn-small btn-ghost', onclick: done }, 'Cancel')));
    text.focus();
  }

  render() {
    const { store, me, isOwner } = this.ctx;
    const comments = this.items.list();
    syncChildren(this.list, comments, {
      key: (c) => c.id,
      create: () => h('li', { class: 'comment' }),
      update: () => {},
    });
    const members = store.view().membersById;
    for (const li of this.list.children) {
      const comment = this.items.items.get(Number(li.dataset.key));
      if (!comment || li.editing) continue;
      const author = comment.author_id == null ? null : members.get(comment.author_id);
      const name = comment.author_id === me?.id ? `${me.username}` : author?.username ?? 'A former member';
      const own = comment.author_id === me?.id;
      const edited = comment.updated_at !== comment.created_at;
      const signature = JSON.stringify([comment.body, comment.updated_at, name, own, isOwner(),
        this.ctx.canEdit]);
      if (li.signature === signature) continue;
      li.signature = signature;
      li.dataset.testid = `comment-${comment.id}`;
      li.bodyEl = h('div', { class: 'comment-body', testid: `comment-body-${comment.id}` },
        comment.body);
      replace(li,
        avatar({ id: comment.author_id ?? 0, username: name }, { size: 'sm' }),
        h('div', { class: 'comment-main' },
          h('p', { class: 'comment-head' }, h('strong', { testid: `comment-author-${comment.id}` }, name),
            ' ', h('time', { class: 'muted', datetime: comment.created_at,
              title: formatFull(comment.created_at) }, timeAgo(comment.created_at)),
            edited ? h('span', { class: 'muted' }, ' · edited') : null),
          li.bodyEl,
          this.ctx.canEdit && (own || isOwner())
            ? h('div', { class: 'comment-actions' },
                own ? h('button', { type: 'button', class: 'btn btn-small btn-ghost',
                  testid: `comment-edit-${comment.id}`, 'aria-label': 'Edit your comment',
                  onclick: () => this.edit(li, comment) }, 'Edit') : null,
                h('button', { type: 'button', class: 'btn btn-small btn-ghost btn-danger-text',
                  testid: `comment-delete-${comment.id}`,
                  'aria-label': own ? 'Delete your comment' : `Delete ${name}’s comment`,
                  onclick: () => this.remove(comment) }, 'Delete'))
            : null));
    }
    if (this.items.loaded) {
      this.status.hidden = comments.length > 0;
      this.status.textContent = 'No comments yet.';
    }
  }
}
