// "Your boards": list, create, rename and delete (the last two for owners).
import * as api from './api.js';
import { DELETE_BOARD_MESSAGE, deletedBoards } from './deleted-boards.js';
import { confirmDialog, promptDialog } from './dialogs.js';
import { h, replace } from './dom.js';
import { menuButton } from './menu.js';
import { navigate } from './router.js';
import { keptBoards } from './snapshot-cache.js';
import { onOutboxChange, waitingByBoard } from './outbox.js';
import { toastError } from './toast.js';

const ROLE_LABEL = { owner: 'Owner', editor: 'Editor', viewer: 'Viewer' };
let tempIds = 0;

export function boardsView(root, { me, offline }) {
  document.title = 'Boards · TaskFlow';
  let boards = null; // null while loading
  let loadError = null;
  let keptOnly = false; // offline: the boards kept in this browser
  let waiting = new Map(); // board id -> changes made offline that wait to be sent (outbox.js)
  let destroyed = false;

  const deleted = deletedBoards({ onRestored: (board) => {
    boards = [...(boards || []).filter((b) => b.id !== board.id), { role: 'owner', ...board }];
    render();
  } });
  const offlineNote = h('p', { class: 'offline-notice', testid: 'boards-offline', role: 'status',
    hidden: true }, 'You are offline. These boards were kept in this browser and open as they were '
    + 'last seen.');
  const list = h('ul', { class: 'board-grid', testid: 'board-list', 'aria-label': 'Your boards' });
  const nameInput = h('input', { class: 'input', id: 'new-board-name', testid: 'new-board-name',
    name: 'name', placeholder: 'e.g. Product launch', required: true, maxlength: 100,
    autocomplete: 'off' });
  const form = h('form', { class: 'new-board', testid: 'new-board-form' },
    h('label', { class: 'sr-only', for: 'new-board-name' }, 'New board name'),
    nameInput,
    h('button', { type: 'submit', class: 'btn btn-primary', testid: 'create-board' }, 'Create board'));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const name = nameInput.value.trim();
    if (!name) return;
    nameInput.value = '';
    const temp = { id: --tempIds, name, role: 'owner', owner_id: me?.id, pending: true };
    boards = [...(boards || []), temp];
    render();
    try {
      const board = await api.createBoard(name);
      boards = boards.map((b) => (b === temp ? board : b));
      navigate(`/boards/${board.id}`); // a new board opens, ready for its first cards
      return;
    } catch (error) {
      boards = boards.filter((b) => b !== temp);
      nameInput.value ||= name;
      toastError(`Could not create “${name}”`, { detail: error.message });
    }
    render();
  });

  async function rename(board) {
    const name = await promptDialog({ title: 'Rename board', label: 'Board name', value: board.name });
    if (!name || name === board.name) return;
    const before = board;
    boards = boards.map((b) => (b.id === board.id ? { ...b, name } : b));
    render();
    try {
      const updated = await api.renameBoard(board.id, name);
      boards = boards.map((b) => (b.id === board.id ? { ...b, ...updated } : b));
    } catch (error) {
      boards = boards.map((b) => (b.id === board.id ? before : b));
      toastError(`Could not rename “${board.name}”`, { detail: error.message });
    }
    render();
  }

  async function remove(board) {
    const ok = await confirmDialog({
      title: `Delete “${board.name}”?`,
      message: DELETE_BOARD_MESSAGE,
      confirmLabel: 'Delete board',
      danger: true,
    });
    if (!ok) return;
    const index = boards.findIndex((b) => b.id === board.id);
    boards = boards.filter((b) => b.id !== board.id);
    render();
    try {
      await api.deleteBoard(board.id);
      deleted.load();
    } catch (error) {
      if (error.status !== 404) {
        boards.splice(index, 0, board);
        boards = [...boards];
        toastError(`Could not delete “${board.name}”`, { detail: error.message });
      }
    }
    render();
  }

  function tile(board) {
    const isOwner = board.role === 'owner' || (board.role == null && board.owner_id === me?.id);
    return h('li', { class: `board-tile${board.pending ? ' pending' : ''}`,
      testid: `board-item-${board.id}`, dataset: { id: board.id } },
      h('a', { class: 'board-link', href: board.pending ? null : `#/boards/${board.id}`,
        testid: `board-link-${board.id}`, 'aria-disabled': board.pending ? 'true' : null },
        h('span', { class: 'board-tile-name' }, board.name),
        waiting.get(board.id)
          ? h('span', { class: 'sync-badge', testid: `board-outbox-${board.id}` },
              `${waiting.get(board.id)} change${waiting.get(board.id) === 1 ? '' : 's'} made offline`
              + ' waiting to sync: open the board to send them')
          : null,
        h('span', { class: `badge badge-${board.role || 'owner'}` },
          ROLE_LABEL[board.role] || (isOwner ? 'Owner' : 'Member'))),
      isOwner && !board.pending && !keptOnly
        ? menuButton({ label: `Actions for ${board.name}`, testid: `board-menu-${board.id}`,
            items: () => [
              { label: 'Rename…', testid: 'menu-rename', run: () => rename(board) },
              { label: 'Delete…', testid: 'menu-delete', danger: true, run: () => remove(board) },
            ] })
        : null);
  }

  // Status lines live inside the list so `board-list` is always present and visible.
  function render() {
    if (destroyed) return;
    offlineNote.hidden = !keptOnly;
    if (keptOnly && boards.length === 0) {
      replace(list, h('li', { class: 'muted board-grid-wide', testid: 'boards-empty' },
        'No board is kept in this browser yet: a board opened online is kept for next time.'));
      return;
    }
    if (loadError) {
      replace(list, h('li', { class: 'empty board-grid-wide' },
        h('p', {}, `Could not load your boards: ${loadError.message}`),
        h('button', { type: 'button', class: 'btn', onclick: load }, 'Try again')));
      return;
    }
    if (boards === null) {
      replace(list, h('li', { class: 'muted board-grid-wide', testid: 'boards-loading' }, 'Loading boards…'));
      return;
    }
    if (boards.length === 0) {
      replace(list, h('li', { class: 'empty board-grid-wide', testid: 'boards-empty' },
        h('p', { class: 'empty-title' }, 'No boards yet'),
        h('p', { class: 'muted' }, 'Create one above: it starts with To do, In progress and Done.')));
      return;
    }
    const sorted = [...boards].sort((a, b) => a.name.localeCompare(b.name) || a.id - b.id);
    replace(list, sorted.map(tile));
  }

  async function load() {
    loadError = null;
    try {
      boards = await api.listBoards();
    } catch (error) {
      if (error.status === 0 || offline) return showKept();
      if (error.status === 401) return;
      loadError = error;
    }
    render();
  }

  /** Without a network: the boards this browser kept, which open as they were last seen. */
  async function showKept() {
    boards = me ? await keptBoards(me.id).catch(() => []) : [];
    keptOnly = true;
    render();
  }

  replace(root,
    h('section', { class: 'page boards-page', testid: 'boards-view' },
      h('div', { class: 'page-head' },
        h('div', {},
          h('h1', { class: 'page-title' }, 'Your boards'),
          h('p', { class: 'muted' }, me ? `Signed in as ${me.username}` : '')),
        form),
      offlineNote,
      list,
      deleted.el));
  render();
  load();
  // Changes made offline are sent by the board they belong to, once it is open and live: the
  // list says where some wait, so they are not forgotten there.
  const countWaiting = () => {
    if (!me) return;
    waitingByBoard(me.id).then((counts) => {
      waiting = counts;
      render();
    }, () => {});
  };
  const stopCounting = onOutboxChange(countWaiting);
  countWaiting();
  // Showing the kept boards because the network was gone: back online, the real list.
  const backOnline = () => {
    if (keptOnly) {
      keptOnly = false;
      load();
    }
  };
  window.addEventListener('online', backOnline);
  deleted.load();
  return {
    destroy() {
      destroyed = true;
      stopCounting();
      window.removeEventListener('online', backOnline);
    },
  };
}
