// The board page: header (name, presence, connection, panels), columns with cards, drag and drop
// and keyboard moves. State lives in the store; this module renders it and routes user intents
// to BoardActions.
import { ActivityPanel } from './activity-panel.js';
import { avatar } from './avatar.js';
import { BoardActions } from './board-actions.js';
import { BoardSession } from './board-session.js';
import { CardEditor } from './card-editor.js';
import { createColumn, updateColumn } from './column-view.js';
import { confirmDialog, promptDialog } from './dialogs.js';
import { sortable } from './dnd.js';
import { h, replace, syncChildren } from './dom.js';
import { membersPanel } from './members-panel.js';
import { menuButton } from './menu.js';
import { neighboursAt } from './order.js';
import * as api from './api.js';
import { navigate } from './router.js';
import { toastError } from './toast.js';

const DONE_NAMES = /^(done|complete|completed|closed|shipped|finished)$/i;
const PANEL_KEY = 'taskflow.panel';
const MAX_AVATARS = 5;

export function boardView(root, boardId, { me, expireSession }) {
  let store = null;
  let actions = null;
  let editor = null;
  let members = null;
  let activity = null;
  let destroyed = false;
  let leaving = false;
  let dragging = false;
  let renderQueued = false;
  let focusTaskId = null; // keep keyboard focus on a card that moved to another column
  let panel = null;
  const cleanups = [];

  // Header
  const nameEl = h('h1', { class: 'board-name', testid: 'board-name' }, 'Loading board…');
  const readOnlyBadge = h('span', { class: 'badge badge-viewer', testid: 'read-only-badge',
    hidden: true, title: 'You can look but not change this board' }, 'View only');
  const boardMenuSlot = h('span', { class: 'board-menu-slot' });
  const presenceEl = h('div', { class: 'presence', testid: 'presence', role: 'group',
    'aria-label': 'Online now' });
  const connText = h('span', { class: 'conn-text' }, 'reconnecting');
  const connEl = h('span', { class: 'conn', testid: 'conn-state', role: 'status',
    dataset: { state: 'reconnecting' } }, h('span', { class: 'conn-dot', 'aria-hidden': 'true' }), connText);
  const retryButton = h('button', { type: 'button', class: 'btn btn-ghost btn-small', testid: 'conn-retry',
    hidden: true, onclick: () => session.retryNow() }, 'Retry now');
  const membersToggle = h('button', { type: 'button', class: 'btn btn-small toggle',
    testid: 'members-toggle', 'aria-expanded': 'false', 'aria-controls': 'side-panel',
    onclick: () => togglePanel('members') }, 'Members');
  const activityToggle = h('button', { type: 'button', class: 'btn btn-small toggle',
    testid: 'activity-toggle', 'aria-expanded': 'false', 'aria-controls': 'side-panel',
    onclick: () => togglePanel('activity') }, 'Activity');

  const header = h('header', { class: 'board-head' },
    h('div', { class: 'board-title-row' },
      h('a', { class: 'back-link', href: '#/boards', testid: 'back-to-boards' },
        h('span', { 'aria-hidden': 'true' }, '←'), h('span', { class: 'back-text' }, ' Boards')),
      nameEl, readOnlyBadge, boardMenuSlot),
    h('div', { class: 'board-tools' }, presenceEl, connEl, retryButton, membersToggle, activityToggle));

  // Body
  const columnsEl = h('ol', { class: 'columns', testid: 'columns', 'aria-label': 'Columns' });
  const addColumnEl = h('div', { class: 'add-column' });
  const emptyEl = h('div', { class: 'board-empty', hidden: true },
    h('p', { class: 'empty-title' }, 'No columns yet'),
    h('p', { class: 'muted' }, 'Add a column to start planning.'));
  const scroller = h('div', { class: 'board-scroll', testid: 'board-scroll' }, emptyEl, columnsEl, addColumnEl);
  const sideContent = h('div', { class: 'side-content' });
  const side = h('aside', { class: 'side-panel', id: 'side-panel', hidden: true },
    h('button', { type: 'button', class: 'icon-btn side-close', 'aria-label': 'Close panel',
      testid: 'panel-close', onclick: () => togglePanel(null) }, '×'),
    sideContent);
  const page = h('section', { class: 'board-page', testid: 'board-view', dataset: { boardId } },
    header, h('div', { class: 'board-body' }, scroller, side));
  replace(root, page);

  const announcer = document.getElementById('announcer');
  const announce = (text) => {
    announcer.textContent = '';
    setTimeout(() => { announcer.textContent = text; }, 30);
  };

  // Session
  const session = new BoardSession({
    boardId, me,
    onState: setConnection,
    onPresence: setPresence,
    onEnd: leave,
  });
  session.open().then(start, (error) => {
    if (destroyed || error.status === 401) return;
    if (error.status === 404 || error.status === 422) {
      leave('not_found');
      return;
    }
    nameEl.textContent = 'Board unavailable';
    replace(scroller, h('div', { class: 'empty' },
      h('p', {}, `Could not load the board: ${error.message}`),
      h('button', { type: 'button', class: 'btn', onclick: () => navigate(`/boards/${boardId}`) },
        'Try again')));
  });

  function start(s) {
    if (destroyed) return;
    store = s;
    actions = new BoardActions(store, boardId);
    editor = new CardEditor({ store, actions, me, canEdit: () => store.view().canEdit });
    members = membersPanel({ actions, me });
    activity = new ActivityPanel({ boardId, store });
    cleanups.push(store.subscribe((change) => {
      if (change.type === 'event') activity.onBoardEvent();
      scheduleRender();
    }));
    setupDragAndDrop();
    render();
    // Reopen the last panel on wide screens only; on a phone it would cover the board.
    const saved = localStorage.getItem(PANEL_KEY);
    if ((saved === 'members' || saved === 'activity') && matchMedia('(min-width: 901px)').matches) {
      togglePanel(saved, { remember: false });
    }
  }

  function scheduleRender() {
    if (renderQueued) return;
    renderQueued = true;
    queueMicrotask(() => {
      renderQueued = false;
      render();
    });
  }

  function render() {
    if (!store || destroyed) return;
    if (dragging) return; // the drop renders; moving nodes under the pointer would fight it
    const view = store.view();
    document.title = `${view.board.name} · TaskFlow`;
    nameEl.textContent = view.board.name;
    readOnlyBadge.hidden = view.canEdit;
    page.classList.toggle('read-only', !view.canEdit);
    page.dataset.role = view.role;
    renderBoardMenu(view);
    replace(membersToggle, 'Members',
      h('span', { class: 'toggle-count' }, ` · ${view.members.length}`));

    const ctx = columnContext(view);
    syncChildren(columnsEl, view.columns, {
      key: (c) => c.id,
      create: (c) => createColumn(c, ctx),
      update: (el, c) => updateColumn(el, c, ctx),
    });
    emptyEl.hidden = view.columns.length > 0;
    renderAddColumn(view.canEdit);
    members.render(view);

    if (focusTaskId != null) {
      columnsEl.querySelector(`.card[data-id="${focusTaskId}"] .card-main`)?.focus();
      focusTaskId = null;
    }
  }

  function columnContext(view) {
    const doneColumns = new Set(view.columns.filter((c) => DONE_NAMES.test(c.name.trim())).map((c) => c.id));
    return {
      canEdit: view.canEdit,
      tasksIn: (columnId) => view.tasksByColumn.get(columnId) ?? [],
      onRename: (columnId, name) => {
        const column = store.view().columns.find((c) => c.id === columnId);
        if (column) actions.renameColumn(column, name);
      },
      menuItems: columnMenu,
      onAddCard: (columnId, title) => actions.createTask(columnId, title),
      cardCtx: {
        canEdit: view.canEdit,
        membersById: view.membersById,
        doneColumn: (columnId) => doneColumns.has(columnId),
        onOpen: (taskId) => editor.open(taskId),
        menuItems: cardMenu,
      },
    };
  }

  // Menus (built when opened, from the latest state)

  function cardMenu(taskId) {
    const view = store.view();
    const task = view.tasks.get(taskId);
    if (!task) return [];
    const list = view.tasksByColumn.get(task.column_id) ?? [];
    const index = list.findIndex((t) => t.id === taskId);
    const others = view.columns.filter((c) => c.id !== task.column_id);
    return [
      { label: view.canEdit ? 'Edit…' : 'Open…', testid: 'menu-open', run: () => editor.open(taskId) },
      'separator',
      { label: 'Move up', testid: 'menu-move-up', disabled: index <= 0, run: () => moveCard(taskId, 'up') },
      { label: 'Move down', testid: 'menu-move-down', disabled: index >= list.length - 1,
        run: () => moveCard(taskId, 'down') },
      ...(others.length ? ['separator', { heading: 'Move to column' }] : []),
      ...others.map((c) => ({ label: c.name, testid: `menu-move-to-${c.id}`,
        run: () => moveCardTo(taskId, c.id) })),
      'separator',
      { label: 'Delete…', testid: 'menu-delete', danger: true, run: () => deleteCard(taskId) },
    ];
  }

  function columnMenu(columnId) {
    const view = store.view();
    const index = view.columns.findIndex((c) => c.id === columnId);
    const column = view.columns[index];
    if (!column) return [];
    return [
      { label: 'Rename', testid: 'menu-rename', run: () => columnEl(columnId)?.renameHandler() },
      { label: 'Move left', testid: 'menu-move-left', disabled: index === 0,
        run: () => moveColumn(columnId, -1) },
      { label: 'Move right', testid: 'menu-move-right', disabled: index === view.columns.length - 1,
        run: () => moveColumn(columnId, 1) },
      'separator',
      { label: 'Delete column…', testid: 'menu-delete', danger: true, run: () => deleteColumn(column) },
    ];
  }

  function renderBoardMenu(view) {
    const key = String(view.isOwner);
    if (boardMenuSlot.dataset.key === key) return;
    boardMenuSlot.dataset.key = key;
    replace(boardMenuSlot, view.isOwner
      ? menuButton({ label: 'Board actions', testid: 'board-menu', items: () => [
          { label: 'Rename board…', testid: 'menu-rename', run: renameBoard },
          { label: 'Delete board…', testid: 'menu-delete', danger: true, run: deleteBoard },
        ] })
      : null);
  }

  const columnEl = (id) => columnsEl.querySelector(`.column[data-id="${id}"]`);

  // Intents

  function moveCard(taskId, direction) {
    const view = store.view();
    const task = view.tasks.get(taskId);
    if (!task || !view.canEdit) return;
    const columnIndex = view.columns.findIndex((c) => c.id === task.column_id);
    const list = view.tasksByColumn.get(task.column_id) ?? [];
    const index = list.findIndex((t) => t.id === taskId);
    const rest = list.filter((t) => t.id !== taskId).map((t) => t.id);
    let target = task.column_id;
    let at;
    if (direction === 'up') at = index - 1;
    else if (direction === 'down') at = index + 1;
    else {
      const next = view.columns[columnIndex + (direction === 'left' ? -1 : 1)];
      if (!next) return;
      target = next.id;
      const there = (view.tasksByColumn.get(target) ?? []).map((t) => t.id);
      return place(task, target, there, Math.min(index, there.length));
    }
    if (at < 0 || at > rest.length) return;
    place(task, target, rest, at);
  }

  function moveCardTo(taskId, columnId) {
    const view = store.view();
    const task = view.tasks.get(taskId);
    if (!task) return;
    const there = (view.tasksByColumn.get(columnId) ?? []).map((t) => t.id);
    place(task, columnId, there, there.length);
  }

  /** Put `task` into `columnId` at `index` of `ids` (that column's ids without the task). */
  function place(task, columnId, ids, index) {
    const { beforeId, afterId } = neighboursAt(ids, index);
    if (columnId !== task.column_id) focusTaskId = task.id;
    actions.moveTask(task, { columnId, beforeId, afterId });
    const column = store.view().columns.find((c) => c.id === columnId);
    announce(`Moved “${task.title}” to ${column?.name}, position ${index + 1} of ${ids.length + 1}.`);
  }

  async function deleteCard(taskId) {
    const task = store.view().tasks.get(taskId);
    if (!task) return;
    const ok = await confirmDialog({ title: `Delete “${task.title}”?`,
      message: 'The card is removed for everyone on this board.', confirmLabel: 'Delete card',
      danger: true });
    if (!ok) return;
    const sibling = columnsEl.querySelector(`.card[data-id="${taskId}"]`);
    const next = sibling?.nextElementSibling ?? sibling?.previousElementSibling;
    await Promise.resolve(actions.deleteTask(store.tasks.get(taskId) ?? task));
    next?.querySelector('.card-main')?.focus();
    announce(`Deleted “${task.title}”.`);
  }

  function moveColumn(columnId, step) {
    const view = store.view();
    const column = view.columns.find((c) => c.id === columnId);
    const rest = view.columns.filter((c) => c.id !== columnId).map((c) => c.id);
    const index = view.columns.indexOf(column) + step;
    if (!column || index < 0 || index > rest.length) return;
    actions.moveColumn(column, neighboursAt(rest, index));
    announce(`Moved column ${column.name} to position ${index + 1} of ${view.columns.length}.`);
  }

  async function deleteColumn(column) {
    const count = (store.view().tasksByColumn.get(column.id) ?? []).length;
    const ok = await confirmDialog({ title: `Delete column “${column.name}”?`,
      message: count ? `It still holds ${count} card${count === 1 ? '' : 's'}; the server will refuse until they are moved or deleted.`
        : 'The column is removed for everyone on this board.',
      confirmLabel: 'Delete column', danger: true });
    if (ok) actions.deleteColumn(column);
  }

  async function renameBoard() {
    const name = await promptDialog({ title: 'Rename board', label: 'Board name',
      value: store.board.name });
    if (name && name !== store.board.name) actions.renameBoard(name);
  }

  async function deleteBoard() {
    const name = store.board.name;
    const ok = await confirmDialog({ title: `Delete “${name}”?`,
      message: 'Its columns, cards and history are deleted for every member. This cannot be undone.',
      confirmLabel: 'Delete board', danger: true });
    if (!ok) return;
    try {
      await api.deleteBoard(boardId);
      leave('deleted', me);
    } catch (error) {
      toastError(`Could not delete “${name}”`, { detail: error.message });
    }
  }

  function leave(reason, actor = null) {
    if (leaving || destroyed) return;
    leaving = true;
    session.close();
    const name = store?.board.name ? `“${store.board.name}”` : 'This board';
    if (reason === 'unauthorized') return expireSession();
    const by = actor ? ` by ${actor.id === me?.id ? 'you' : actor.username}` : '';
    const messages = {
      deleted: { message: 'Board deleted', detail: `${name} was deleted${by}.` },
      removed: { message: `You were removed from ${name}`, detail: `Removed${by}.` },
      not_found: { message: 'Board not available', kind: 'error',
        detail: 'It does not exist or you are not a member.' },
    };
    navigate('/boards', messages[reason] ?? messages.not_found);
  }

  // Add column

  function renderAddColumn(canEdit) {
    const key = String(canEdit);
    if (addColumnEl.dataset.key === key) return;
    addColumnEl.dataset.key = key;
    if (!canEdit) return replace(addColumnEl);
    const button = h('button', { type: 'button', class: 'add-column-btn', testid: 'add-column' },
      h('span', { 'aria-hidden': 'true' }, '+'), ' Add column');
    const input = h('input', { class: 'input', testid: 'new-column-name', maxlength: 100,
      required: true, placeholder: 'Column name', 'aria-label': 'New column name', autocomplete: 'off' });
    const form = h('form', { class: 'add-column-form', testid: 'add-column-form' }, input,
      h('div', { class: 'composer-actions' },
        h('button', { type: 'submit', class: 'btn btn-primary btn-small', testid: 'new-column-submit' },
          'Add column'),
        h('button', { type: 'button', class: 'btn btn-ghost btn-small', onclick: () => close() }, 'Cancel')));
    const close = () => {
      input.value = '';
      replace(addColumnEl, button);
      button.focus();
    };
    button.addEventListener('click', () => {
      replace(addColumnEl, form);
      input.focus();
      scroller.scrollLeft = scroller.scrollWidth;
    });
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') {
        event.preventDefault();
        close();
      }
    });
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const name = input.value.trim();
      if (!name) return;
      input.value = '';
      actions.createColumn(name);
      requestAnimationFrame(() => { scroller.scrollLeft = scroller.scrollWidth; });
    });
    replace(addColumnEl, button);
  }

  // Presence and connection

  function setPresence(users) {
    const unique = [...new Map(users.map((u) => [u.id, u])).values()];
    const shown = unique.slice(0, MAX_AVATARS);
    presenceEl.setAttribute('aria-label',
      `Online now: ${unique.map((u) => (u.id === me?.id ? `${u.username} (you)` : u.username)).join(', ')}`);
    presenceEl.dataset.count = unique.length;
    replace(presenceEl,
      shown.map((u) => {
        const el = avatar(u, { title: u.id === me?.id ? `${u.username} (you)` : u.username });
        el.dataset.testid = `presence-user-${u.id}`;
        return el;
      }),
      unique.length > shown.length
        ? h('span', { class: 'avatar avatar-more', title: unique.slice(MAX_AVATARS).map((u) => u.username).join(', ') },
          `+${unique.length - shown.length}`)
        : null);
  }

  function setConnection(state, { retryInMs }) {
    connEl.dataset.state = state;
    connText.textContent = state;
    connEl.title = state === 'connected' ? 'Live updates are on'
      : retryInMs != null ? `Live updates paused; retrying in ${Math.ceil(retryInMs / 1000)} s`
        : 'Live updates paused';
    retryButton.hidden = state === 'connected' || retryInMs == null || retryInMs < 1500;
  }

  // Side panel

  function togglePanel(which, { remember = true } = {}) {
    if (!store) return;
    panel = panel === which ? null : which;
    if (remember) localStorage.setItem(PANEL_KEY, panel ?? '');
    membersToggle.setAttribute('aria-expanded', String(panel === 'members'));
    activityToggle.setAttribute('aria-expanded', String(panel === 'activity'));
    side.hidden = panel === null;
    page.classList.toggle('with-panel', panel !== null);
    if (panel === 'members') replace(sideContent, members.el);
    if (panel === 'activity') {
      replace(sideContent, activity.el);
      activity.show();
    } else {
      activity.hide();
    }
    if (panel) side.setAttribute('aria-label', panel === 'members' ? 'Members' : 'Activity');
  }

  // Keyboard

  function onKeyDown(event) {
    if (!store || event.defaultPrevented) return;
    const view = store.view();
    const card = event.target.closest?.('.card');
    if (card && event.target === card.main) {
      const taskId = Number(card.dataset.id);
      const arrows = { ArrowUp: 'up', ArrowDown: 'down', ArrowLeft: 'left', ArrowRight: 'right' };
      const direction = arrows[event.key];
      if (direction && (event.altKey || event.shiftKey) && view.canEdit) {
        event.preventDefault();
        moveCard(taskId, direction);
      } else if (direction && !event.ctrlKey && !event.metaKey) {
        event.preventDefault();
        focusNeighbour(card, direction);
      } else if ((event.key === 'Delete' || event.key === 'Backspace') && view.canEdit) {
        event.preventDefault();
        deleteCard(taskId);
      }
      return;
    }
    const head = event.target.closest?.('.column-head');
    if (head && (event.altKey || event.shiftKey) && view.canEdit &&
        (event.key === 'ArrowLeft' || event.key === 'ArrowRight')) {
      event.preventDefault();
      const columnId = Number(head.closest('.column').dataset.id);
      moveColumn(columnId, event.key === 'ArrowLeft' ? -1 : 1);
      requestAnimationFrame(() => columnEl(columnId)?.querySelector('.column-name')?.focus());
    }
  }

  function focusNeighbour(card, direction) {
    if (direction === 'up') return card.previousElementSibling?.querySelector('.card-main')?.focus();
    if (direction === 'down') return card.nextElementSibling?.querySelector('.card-main')?.focus();
    const column = card.closest('.column');
    const index = [...card.parentElement.children].indexOf(card);
    let next = direction === 'left' ? column.previousElementSibling : column.nextElementSibling;
    while (next && next.querySelector('.card-list').children.length === 0) {
      next = direction === 'left' ? next.previousElementSibling : next.nextElementSibling;
    }
    if (!next) return;
    const cards = next.querySelector('.card-list').children;
    cards[Math.min(index, cards.length - 1)]?.querySelector('.card-main')?.focus();
  }
  columnsEl.addEventListener('keydown', onKeyDown);

  const onEscape = (event) => {
    if (event.key === 'Escape' && panel && !document.querySelector('dialog[open]') &&
        side.contains(document.activeElement)) {
      togglePanel(null);
      (panel === 'members' ? membersToggle : activityToggle).focus();
    }
  };
  document.addEventListener('keydown', onEscape);
  cleanups.push(() => document.removeEventListener('keydown', onEscape));

  // Drag and drop

  function setupDragAndDrop() {
    const onDragChange = (value) => {
      dragging = value;
      if (!value) scheduleRender();
    };
    const cards = sortable(columnsEl, {
      item: '.card',
      ignore: '[data-no-drag], input, textarea, select, .pending',
      axis: 'y',
      containerAt: (el) => el.closest('.column')?.querySelector('.card-list') ?? null,
      scrollers: () => [scroller, ...columnsEl.querySelectorAll('.card-list')],
      enabled: () => Boolean(store?.view().canEdit),
      onDragChange,
      onDrop: ({ id, container, index, ids }) => {
        const task = store.view().tasks.get(Number(id));
        if (!task) return;
        place(task, Number(container.dataset.columnId), ids.map(Number), index);
      },
    });
    const columns = sortable(columnsEl, {
      item: '.column',
      handle: '.column-head',
      ignore: '[data-no-drag], input, textarea, select, .pending',
      axis: 'x',
      containerAt: (el) => (el.closest('.board-scroll') ? columnsEl : null),
      scrollers: () => [scroller],
      enabled: () => Boolean(store?.view().canEdit),
      onDragChange,
      onDrop: ({ id, index, ids }) => {
        const column = store.view().columns.find((c) => c.id === Number(id));
        if (!column) return;
        actions.moveColumn(column, neighboursAt(ids.map(Number), index));
        announce(`Moved column ${column.name} to position ${index + 1}.`);
      },
    });
    cleanups.push(() => cards.destroy(), () => columns.destroy());
  }

  return {
    destroy() {
      destroyed = true;
      session.close();
      editor?.close();
      activity?.destroy();
      for (const cleanup of cleanups) cleanup();
      document.querySelectorAll('dialog').forEach((d) => d.remove());
    },
  };
}
