// What a user asks of the board, whichever way it came (menu, key, drag and drop): each intent
// reads the latest state from the store, calls BoardActions and tells screen readers the result.
import * as api from './api.js';
import { confirmDialog, promptDialog } from './dialogs.js';
import { columnStep } from './moves.js';
import { neighboursAt } from './order.js';
import { DELETE_BOARD_MESSAGE } from './deleted-boards.js';
import { toastError } from './toast.js';

export function boardIntents({ boardId, store, actions, columnsEl, announce, onCardLeaves,
  onBoardDeleted }) {
  /** Move a card to `target` = {columnId, ids (without the card), index} (see moves.js). */
  function moveCard(taskId, target) {
    const task = store.view().tasks.get(taskId);
    if (!task || !target) return;
    const { columnId, ids, index } = target;
    if (columnId !== task.column_id) onCardLeaves(task.id); // its element is rebuilt there
    actions.moveTask(task, { columnId, ...neighboursAt(ids, index) });
    const column = store.view().columns.find((c) => c.id === columnId);
    announce(`Moved “${task.title}” to ${column?.name}, position ${index + 1} of ${ids.length + 1}.`);
  }

  function moveColumn(columnId, step) {
    const view = store.view();
    const column = view.columns.find((c) => c.id === columnId);
    const target = columnStep(view, columnId, step);
    if (!column || !target) return;
    actions.moveColumn(column, neighboursAt(target.ids, target.index));
    announce(`Moved column ${column.name} to position ${target.index + 1} of ${view.columns.length}.`);
  }

  /** A column dropped at `index` among `ids` (the other columns, in order). */
  function dropColumn(columnId, ids, index) {
    const column = store.view().columns.find((c) => c.id === columnId);
    if (!column) return;
    actions.moveColumn(column, neighboursAt(ids, index));
    announce(`Moved column ${column.name} to position ${index + 1}.`);
  }

  async function deleteCard(taskId) {
    const task = store.view().tasks.get(taskId);
    if (!task) return;
    const ok = await confirmDialog({ title: `Delete “${task.title}”?`,
      message: actions.deleteMessage(task), confirmLabel: 'Delete card', danger: true });
    if (!ok) return;
    const card = columnsEl.querySelector(`.card[data-id="${taskId}"]`);
    const neighbour = card?.nextElementSibling ?? card?.previousElementSibling;
    actions.deleteTask(store.tasks.get(taskId) ?? task);
    neighbour?.querySelector('.card-main')?.focus();
    announce(`Deleted “${task.title}”.`);
  }

  async function deleteColumn(column) {
    const count = (store.view().tasksByColumn.get(column.id) ?? []).length;
    const ok = await confirmDialog({ title: `Delete column “${column.name}”?`,
      message: count
        ? `It still holds ${count} card${count === 1 ? '' : 's'}: move or delete them first.`
        : 'It goes to the board’s trash for 30 days; “Undo” brings it back.',
      confirmLabel: 'Delete column', danger: true });
    if (ok) actions.deleteColumn(column); // with cards, the server answers 409 and we say so
  }

  async function renameBoard() {
    const name = await promptDialog({ title: 'Rename board', label: 'Board name',
      value: store.board.name });
    if (name && name !== store.board.name) actions.renameBoard(name);
  }

  async function deleteBoard() {
    const name = store.board.name;
    const ok = await confirmDialog({ title: `Delete “${name}”?`,
      message: DELETE_BOARD_MESSAGE,
      confirmLabel: 'Delete board', danger: true });
    if (!ok) return;
    try {
      await api.deleteBoard(boardId);
      onBoardDeleted();
    } catch (error) {
      toastError(`Could not delete “${name}”`, { detail: error.message });
    }
  }

  return { moveCard, moveColumn, dropColumn, deleteCard, deleteColumn, renameBoard, deleteBoard };
}
