// One column: header (name, count, menu), its cards in board order, and the "add a card" composer.
import { createCard, updateCard } from './card-view.js';
import { h, replace, syncChildren } from './dom.js';
import { inlineEdit } from './inline-edit.js';
import { menuButton } from './menu.js';
import { conflictBox, conflictRows, syncBadge } from './sync-view.js';

/**
 * ctx: {canEdit, tasksIn(columnId), cardCtx, onRename(columnId, name), menuItems(columnId),
 *       onAddCard(columnId, title) -> Promise}
 */
export function createColumn(column, ctx) {
  const id = column.id;
  const li = h('li', { class: 'column', dataset: { id }, 'aria-labelledby': `column-title-${id}` });
  li.titleEl = h('h2', { class: 'column-title', id: `column-title-${id}` });
  li.count = h('span', { class: 'column-count', testid: `column-count-${id}` });
  li.head = h('div', { class: 'column-head' }, li.titleEl, li.count);
  li.cards = h('ol', { class: 'card-list', testid: `column-cards-${id}`, dataset: { columnId: id } });
  li.foot = h('div', { class: 'column-foot' });
  li.append(li.head, li.cards, li.foot);
  updateColumn(li, column, ctx);
  return li;
}

export function updateColumn(li, column, ctx) {
  const id = column.id;
  const tasks = ctx.tasksIn(id);
  li.dataset.testid = `column-${id}`;
  li.classList.toggle('pending', Boolean(column.pending));
  li.cards.setAttribute('aria-label', `${column.name}: ${tasks.length} cards`);
  li.count.textContent = String(tasks.length);
  li.count.setAttribute('aria-label', `${tasks.length} cards`);

  const editable = ctx.canEdit && !column.pending;
  const key = JSON.stringify([column.name, editable, column.sync, column.conflict?.key,
    column.conflict?.theirs?.name]);
  if (li.headKey !== key) {
    li.headKey = key;
    const name = editable
      ? h('button', { type: 'button', class: 'column-name', testid: `column-name-${id}`,
          title: 'Rename column', onclick: () => startRename(li, column, ctx) }, column.name)
      : h('span', { class: 'column-name', testid: `column-name-${id}` }, column.name);
    replace(li.titleEl, name, syncBadge(column, `column-sync-${id}`));
    li.nameEl = name;
    li.conflictEl?.remove();
    li.conflictEl = column.conflict
      ? conflictBox({ conflict: column.conflict, rows: conflictRows(column.conflict, ctx.cardCtx.names),
          what: `column “${column.name}”`, testid: `column-${id}`,
          onKeepMine: () => ctx.cardCtx.onKeepMine(column.conflict.key, `column-name-${id}`),
          onTakeTheirs: () => ctx.cardCtx.onTakeTheirs(column.conflict.key, `column-name-${id}`) })
      : null;
    if (li.conflictEl) li.head.after(li.conflictEl);
    if (editable && !li.menu) {
      li.menu = menuButton({ label: `Actions for column ${column.name}`,
        testid: `column-menu-${id}`, items: () => ctx.menuItems(id) });
      li.head.append(li.menu);
    } else if (!editable && li.menu) {
      li.menu.remove();
      li.menu = null;
    }
    li.menu?.setAttribute('aria-label', `Actions for column ${column.name}`);
    renderFoot(li, column, ctx, editable);
  }
  li.renameHandler = () => startRename(li, column, ctx);

  syncChildren(li.cards, tasks, {
    key: (task) => task.id,
    create: (task) => createCard(task, ctx.cardCtx),
    update: (el, task) => updateCard(el, task, ctx.cardCtx),
  });
}

function startRename(li, column, ctx) {
  if (!li.nameEl?.isConnected) return;
  inlineEdit(li.nameEl, {
    value: column.name, label: 'Column name', testid: `column-name-input-${column.id}`,
    onSubmit: (name) => ctx.onRename(column.id, name),
  });
}

function renderFoot(li, column, ctx, editable) {
  if (!editable) {
    replace(li.foot);
    return;
  }
  const id = column.id;
  const openButton = h('button', { type: 'button', class: 'add-card', testid: `add-card-${id}`,
    'aria-label': `Add a card to ${column.name}` },
    h('span', { 'aria-hidden': 'true' }, '+'), ' Add a card');
  const title = h('textarea', { class: 'input composer-input', rows: 2, maxlength: 200,
    required: true, testid: `new-card-title-${id}`, placeholder: 'What needs doing?',
    'aria-label': `New card title in ${column.name}` });
  const form = h('form', { class: 'composer', testid: `composer-${id}` },
    title,
    h('div', { class: 'composer-actions' },
      h('button', { type: 'submit', class: 'btn btn-primary btn-small',
        testid: `new-card-submit-${id}` }, 'Add card'),
      h('button', { type: 'button', class: 'btn btn-ghost btn-small', testid: `new-card-cancel-${id}`,
        onclick: () => close() }, 'Cancel')));

  const open = () => {
    replace(li.foot, form);
    title.focus();
  };
  const close = () => {
    title.value = '';
    replace(li.foot, openButton);
    openButton.focus();
  };
  openButton.addEventListener('click', open);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = title.value.trim();
    if (!text) return;
    title.value = '';
    title.focus(); // stay open: people add several cards in a row
    ctx.onAddCard(id, text);
    requestAnimationFrame(() => { li.cards.scrollTop = li.cards.scrollHeight; });
  });
  title.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    } else if (event.key === 'Escape') {
      event.preventDefault();
      close();
    }
  });
  // Keep an open composer open across re-renders (e.g. a teammate renames the column).
  const wasOpen = li.foot.querySelector('form') !== null;
  if (wasOpen) {
    const previous = li.foot.querySelector('textarea');
    title.value = previous.value;
    const hadFocus = document.activeElement === previous;
    replace(li.foot, form);
    if (hadFocus) title.focus();
  } else {
    replace(li.foot, openButton);
  }
}
