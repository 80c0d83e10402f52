// "Deleted boards" on the board list: the owner's boards in the trash (kept 30 days), each with
// "Restore", which brings the board back with its members.
import * as api from './api.js';
import { h, replace } from './dom.js';
import { formatDay, formatFull, timeAgo } from './format.js';
import { toast, toastError } from './toast.js';

export const DELETE_BOARD_MESSAGE = 'Every member loses access at once. The board is kept for ' +
  '30 days: the owner can restore it from “Deleted boards” on the board list.';

/** onRestored(board): the restored board, for the list of boards. */
export function deletedBoards({ onRestored }) {
  let items = [];
  const list = h('ul', { class: 'deleted-list', testid: 'deleted-board-list' });
  const el = h('section', { class: 'deleted-boards', testid: 'deleted-boards', hidden: true,
    'aria-labelledby': 'deleted-boards-title' },
    h('h2', { class: 'section-title', id: 'deleted-boards-title' }, 'Deleted boards'),
    h('p', { class: 'muted' }, 'Kept for 30 days after deletion; only you, their owner, see them here.'),
    list);

  async function restore(item) {
    try {
      const board = await api.restoreBoard(item.object_id);
      items = items.filter((i) => i.id !== item.id);
      render();
      onRestored(board);
      toast(`Restored “${board.name}”`, { kind: 'success' });
    } catch (error) {
      toastError(`Could not restore “${item.title}”`, { detail: error.message });
    }
  }

  function render() {
    el.hidden = items.length === 0;
    replace(list, items.map((item) => h('li', { class: 'deleted-board',
      testid: `deleted-board-${item.object_id}` },
      h('div', {},
        h('p', { class: 'deleted-name' }, item.title),
        h('p', { class: 'muted' }, 'Deleted ',
          h('time', { datetime: item.deleted_at, title: formatFull(item.deleted_at) },
            timeAgo(item.deleted_at)),
          ` · kept until ${formatDay(item.expires_at)}`)),
      h('button', { type: 'button', class: 'btn btn-small', testid: `restore-board-${item.object_id}`,
        'aria-label': `Restore board “${item.title}”`, onclick: () => restore(item) }, 'Restore'))));
  }

  async function load() {
    try {
      items = await api.listDeletedBoards();
    } catch (error) {
      if (error.status !== 401) items = []; // the list of live boards says what went wrong
    }
    render();
  }

  return { el, load };
}
