// The board page: header, columns with cards, side panels. State lives in the store (fed by the
// session); this module renders it and routes user intents (menus, drag and drop, keys) to
// board-intents.js, whose menus are board-menus.js.
import { ActivityPanel } from './activity-panel.js';
import * as api from './api.js';
import { addColumnControl } from './add-column.js';
import { BoardActions } from './board-actions.js';
import { boardIntents } from './board-intents.js';
import { boardKeyboard } from './board-keys.js';
import { boardMenus } from './board-menus.js';
import { BoardSession } from './board-session.js';
import { connectionView, offlineNoticeView, presenceView } from './board-status.js';
import { CardEditor } from './card-editor.js';
import { createColumn, updateColumn } from './column-view.js';
import { sortable } from './dnd.js';
import { h, replace, syncChildren } from './dom.js';
import { filterBar } from './filter-bar.js';
import { isActive, matches } from './filter.js';
import { openLabelsDialog } from './labels-dialog.js';
import { membersPanel } from './members-panel.js';
import { menuButton } from './menu.js';
import { cardStep } from './moves.js';
import { announceRemoteChanges } from './remote-announcer.js';
import { Outbox } from './outbox.js';
import { describe } from './outbox-plan.js';
import { outboxStatus } from './outbox-status.js';
import { navigate } from './router.js';
import { removeDialog, toast, toastError } from './toast.js';
import { TrashPanel } from './trash-panel.js';
import { Undo } from './undo.js';

const DONE_NAMES = /^(done|complete|completed|closed|shipped|finished)$/i;
const PANEL_KEY = 'taskflow.panel';

export function boardView(root, boardId, { me, expireSession }) {
  let store = null;
  let actions = null;
  let intents = null;
  let menus = null;
  let editor = null;
  let members = null;
  let activity = null;
  let trash = null;
  let outbox = null;
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
  const presence = presenceView(me);
  const connection = connectionView({ onRetry: () => session.retryNow() });
  const queued = outboxStatus();
  const membersToggle = h('button', { type: 'button', class: 'btn btn-small toggle',
    testid: 'members-toggle', 'aria-expanded': 'false', 'aria-controls': 'side-panel',
    onclick: () => togglePanel('members') }, 'Members');
  const activityToggle = h('button', { type: 'button', class: 'btn btn-small toggle',
    testid: 'activity-toggle', 'aria-expanded': 'false', 'aria-controls': 'side-panel',
    onclick: () => togglePanel('activity') }, 'Activity');
  const trashToggle = h('button', { type: 'button', class: 'btn btn-small toggle',
    testid: 'trash-toggle', 'aria-expanded': 'false', 'aria-controls': 'side-panel',
    onclick: () => togglePanel('trash') }, 'Trash');
  const toggles = { members: membersToggle, activity: activityToggle, trash: trashToggle };
  const offlineNotice = offlineNoticeView();
  const filters = filterBar({ onChange: () => scheduleRender(),
    onManageLabels: () => openLabelsDialog({ store, boardId }) });
  const header = h('header', { class: 'board-head' },
    h('div', { class: 'board-title-row' },
      h('a', { class: 'back-link', href: '#/boards', testid: 'back-to-boards' },
        h('span', { 'aria-hidden': 'true' }, '←'), h('span', { class: 'back-text' }, ' Boards')),
      nameEl, readOnlyBadge, boardMenuSlot),
    h('div', { class: 'board-tools' },
      presence.el, connection.el, connection.retry, queued.el, membersToggle, activityToggle, trashToggle),
    offlineNotice.el,
    filters.el);

  // Body
  const columnsEl = h('ol', { class: 'columns', testid: 'columns', 'aria-label': 'Columns' });
  const addColumnSlot = h('div', { class: 'add-column-slot' });
  const emptyEl = h('div', { class: 'board-empty', hidden: true },
    h('p', { class: 'empty-title' }, 'No columns yet'),
    h('p', { class: 'muted' }, 'Add a column to start planning.'));
  const scroller = h('div', { class: 'board-scroll', testid: 'board-scroll' },
    emptyEl, columnsEl, addColumnSlot);
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
    setTimeout(() => { announcer.textContent = text; }, 30); // a change, even for equal text
  };

  // Session
  const session = new BoardSession({
    boardId, me,
    onState: (state, info) => {
      connection.update(state, info);
      offlineNotice.update(session.fromCache, state); // shown from the kept copy, not yet live
    },
    onPresence: presence.update,
    onEnd: leave,
  });
  session.open().then(start, (error) => {
    if (destroyed || error.status === 401) return;
    if (error.status === 404 || error.status === 422) return leave('not_found');
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
    startOutbox();
    const undo = new Undo({ store, actions, me });
    actions.undo = undo;
    cleanups.push(undo.listenForKeys());
    editor = new CardEditor({ store, actions, boardId, me, undo, announce,
      canEdit: () => store.view().canEdit, isOwner: () => store.view().isOwner });
    members = membersPanel({ actions, me });
    activity = new ActivityPanel({ boardId, store });
    trash = new TrashPanel({ boardId, store });
    intents = boardIntents({ boardId, store, actions, columnsEl, announce,
      onCardLeaves: (taskId) => { focusTaskId = taskId; },
      onBoardDeleted: () => leave('deleted', me) });
    menus = boardMenus({ store, view: shownView, intents, columnsEl,
      openCard: (taskId) => editor.open(taskId) });
    cleanups.push(store.subscribe((change) => {
      if (change.type === 'event') {
        activity.onBoardEvent();
        trash.onBoardEvent(change.event);
      }
      scheduleRender();
    }));
    // Other people's changes, told politely through the same live region (bursts summed up).
    cleanups.push(announceRemoteChanges(store, me, announce));
    cleanups.push(boardKeyboard(columnsEl, {
      canEdit: () => store.view().canEdit,
      moveCard: (taskId, direction) =>
        intents.moveCard(taskId, cardStep(shownView(), taskId, direction)),
      deleteCard: intents.deleteCard,
      moveColumn: intents.moveColumn,
    }));
    setupDragAndDrop();
    render();
    // Reopen the last panel on wide screens only; on a phone it would cover the board.
    const saved = localStorage.getItem(PANEL_KEY);
    if (saved in toggles && matchMedia('(min-width: 901px)').matches) {
      togglePanel(saved, { remember: false });
    }
  }

  /** Changes made offline: queued in IndexedDB, replayed once the socket has caught up. */
  function startOutbox() {
    if (!me?.id) return; // the outbox belongs to a user: without one, writes need the network
    outbox = new Outbox({
      userId: me.id, boardId, store,
      send: (frame) => (frame.restKey ? createOverRest(frame) : session.command(frame)),
      onRefused: tellRefused,
    });
    const replay = () => {
      if (session.connected) outbox.replay();
    };
    outbox.onResolved = replay;
    outbox.onRemoteChange = replay;
    actions.outbox = outbox;
    actions.offline = () => navigator.onLine === false || session.state === 'offline';
    cleanups.push(outbox.subscribe((entries) => queued.update(entries)), () => outbox.close());
    cleanups.push(session.onCaughtUp(replay));
    outbox.reload().then(replay);
  }

  /** The conflict box goes away with its buttons: focus goes back to its card (or column name),
   * wherever that is after the render, and screen readers hear what was decided. */
  async function settleConflict(decided, focusTestid, words) {
    await decided;
    requestAnimationFrame(() => {
      columnsEl.querySelector(`[data-testid="${focusTestid}"]`)?.focus();
      announce(words);
    });
  }

  /** A change made offline that the server refused for good: say which, why, and what is left. */
  function tellRefused(entry, reply) {
    const options = { detail: reply.message ?? 'The server refused it.', timeout: 30_000 };
    const view = store.view();
    const title = entry.label ?? entry.data.title ?? '';
    if (entry.type === 'task.create' && !view.columns.some((c) => c.id === entry.data.column_id)) {
      const first = view.columns[0];
      toastError(`“${title}” was not added: its column was deleted while you were offline`, {
        ...options, detail: first ? null : options.detail,
        action: first && view.canEdit
          ? { label: `Add to “${first.name}”`, run: () => actions.createTask(first.id, title) }
          : null,
      });
    } else if (reply.code === 'not_found' && entry.type.startsWith('task.')) {
      toastError(`Your change to “${title}” was not saved: the card was deleted while you were offline`,
        { ...options, detail: 'It may be in the board’s trash.' });
    } else if (reply.code === 'forbidden') {
      toastError(`Not saved: ${describe(entry)}, made offline: you can no longer change this board`,
        options);
    } else {
      toastError(`Not saved: ${describe(entry)}, made offline`, options);
    }
  }

  /** A create first tried over REST with an Idempotency-Key is replayed the same way, so it is
   * made once even if the first try reached the server and only its answer was lost. */
  async function createOverRest(frame) {
    try {
      return { type: 'ack', data: await api.createTask(boardId, frame.data, frame.restKey) };
    } catch (error) {
      if (error.status === 0) throw error; // still unreachable: try again later
      return { type: 'error', code: error.status === 404 ? 'not_found' : 'invalid',
        message: error.message };
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
    renderOwnerControls(view);
    replace(membersToggle, 'Members', h('span', { class: 'toggle-count' }, ` · ${view.members.length}`));

    const ctx = columnContext(view);
    filters.render(view, view.columns.reduce((n, c) => n + ctx.tasksIn(c.id).length, 0));
    syncChildren(columnsEl, view.columns, {
      key: (c) => c.id,
      create: (c) => createColumn(c, ctx),
      update: (el, c) => updateColumn(el, c, ctx),
    });
    emptyEl.hidden = view.columns.length > 0;
    members.render(view);

    if (focusTaskId != null) {
      columnsEl.querySelector(`.card[data-id="${focusTaskId}"] .card-main`)?.focus();
      focusTaskId = null;
    }
  }

  /** The board as this tab shows it: with a filter on, only the cards that pass it. */
  function shownView() {
    const view = store.view();
    const filter = filters.value();
    if (!isActive(filter)) return view;
    const tasksByColumn = new Map([...view.tasksByColumn]
      .map(([columnId, tasks]) => [columnId, tasks.filter((t) => matches(t, filter))]));
    return { ...view, tasksByColumn };
  }

  function columnContext(view) {
    const doneColumns = new Set(view.columns.filter((c) => DONE_NAMES.test(c.name.trim())).map((c) => c.id));
    const shown = shownView().tasksByColumn;
    return {
      canEdit: view.canEdit,
      tasksIn: (columnId) => shown.get(columnId) ?? [],
      onRename: (columnId, name) => {
        const column = store.view().columns.find((c) => c.id === columnId);
        if (column) actions.renameColumn(column, name);
      },
      menuItems: menus.columnMenu,
      onAddCard: (columnId, title) => actions.createTask(columnId, title),
      cardCtx: {
        canEdit: view.canEdit,
        membersById: view.membersById,
        labelsById: view.labelsById,
        doneColumn: (columnId) => doneColumns.has(columnId),
        onOpen: (taskId) => (taskId < 0
          ? toast(`“${store.view().tasks.get(taskId)?.title ?? 'This card'}” opens once it is synced`)
          : editor.open(taskId)),
        menuItems: menus.cardMenu,
        names: {
          column: (id) => view.columns.find((c) => c.id === id)?.name ?? 'a deleted column',
          member: (id) => view.membersById.get(id)?.username ?? `user #${id}`,
          labels: (ids) => ids.map((id) => view.labelsById.get(id)?.name).filter(Boolean).join(', '),
        },
        onKeepMine: (key, focus) => settleConflict(outbox.keepMine(key), focus,
          'Kept your version: it is being saved.'),
        onTakeTheirs: (key, focus) => settleConflict(outbox.takeTheirs(key), focus,
          'Kept their version: your change was dropped.'),
      },
    };
  }

  // Controls that depend on the role (rebuilt only when it changes)

  function renderOwnerControls(view) {
    const key = `${view.isOwner}/${view.canEdit}`;
    if (page.dataset.controls === key) return;
    page.dataset.controls = key;
    replace(boardMenuSlot, view.isOwner
      ? menuButton({ label: 'Board actions', testid: 'board-menu', items: menus.boardMenu })
      : null);
    replace(addColumnSlot, view.canEdit
      ? addColumnControl({
          onOpen: () => { scroller.scrollLeft = scroller.scrollWidth; },
          onCreate: (name) => {
            actions.createColumn(name);
            requestAnimationFrame(() => { scroller.scrollLeft = scroller.scrollWidth; });
          },
        })
      : null);
  }

  /** The board is gone for us (deleted, removed, not found, session over): back to the list. */
  function leave(reason, actor = null) {
    if (leaving || destroyed) return;
    leaving = true;
    session.close();
    if (reason === 'unauthorized') return expireSession();
    const name = store?.board.name ? `“${store.board.name}”` : 'This board';
    const by = actor ? ` by ${actor.id === me?.id ? 'you' : actor.username}` : '';
    const messages = {
      deleted: { message: 'Board deleted', detail: `${name} was deleted${by}.` },
      removed: { message: `You were removed from ${name}`, detail: `Removed${by}.` },
      not_found: { message: 'Board not available', kind: 'error',
        detail: 'It does not exist or you are not a member.' },
    };
    navigate('/boards', messages[reason] ?? messages.not_found);
  }

  // Side panel

  function togglePanel(which, { remember = true } = {}) {
    if (!store) return;
    panel = panel === which ? null : which;
    if (remember) localStorage.setItem(PANEL_KEY, panel ?? '');
    for (const [name, toggle] of Object.entries(toggles)) {
      toggle.setAttribute('aria-expanded', String(panel === name));
    }
    side.hidden = panel === null;
    page.classList.toggle('with-panel', panel !== null);
    const panels = { members, activity, trash };
    if (panel) replace(sideContent, panels[panel].el);
    for (const [name, view] of Object.entries(panels)) {
      if (name === panel) view.show?.();
      else view.hide?.();
    }
    if (panel) side.setAttribute('aria-label', toggles[panel].textContent.split(' ·')[0]);
  }

  const onEscape = (event) => {
    if (event.key !== 'Escape' || !panel || document.querySelector('dialog[open]')) return;
    if (!side.contains(document.activeElement)) return;
    const toggle = toggles[panel];
    togglePanel(null);
    toggle.focus();
  };
  document.addEventListener('keydown', onEscape);
  cleanups.push(() => document.removeEventListener('keydown', onEscape));

  // Drag and drop

  function setupDragAndDrop() {
    const onDragChange = (value) => {
      dragging = value;
      if (!value) scheduleRender();
    };
    const common = {
      ignore: '[data-no-drag], input, textarea, select, .pending',
      enabled: () => Boolean(store?.view().canEdit),
      onDragChange,
    };
    const cards = sortable(columnsEl, {
      ...common,
      item: '.card',
      axis: 'y',
      containerAt: (el) => el.closest('.column')?.querySelector('.card-list') ?? null,
      scrollers: () => [scroller, ...columnsEl.querySelectorAll('.card-list')],
      onDrop: ({ id, container, index, ids }) => intents.moveCard(Number(id),
        { columnId: Number(container.dataset.columnId), ids: ids.map(Number), index }),
    });
    const columns = sortable(columnsEl, {
      ...common,
      item: '.column',
      handle: '.column-head',
      axis: 'x',
      containerAt: (el) => (el.closest('.board-scroll') ? columnsEl : null),
      scrollers: () => [scroller],
      onDrop: ({ id, index, ids }) => intents.dropColumn(Number(id), ids.map(Number), index),
    });
    cleanups.push(() => cards.destroy(), () => columns.destroy());
  }

  return {
    destroy() {
      destroyed = true;
      session.close();
      editor?.close();
      activity?.destroy();
      trash?.destroy();
      for (const cleanup of cleanups) cleanup();
      document.querySelectorAll('dialog').forEach((d) => removeDialog(d));
    },
  };
}
