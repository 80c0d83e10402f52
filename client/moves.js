// Where a card or column lands for a keyboard or menu move. Pure functions of the store's view:
// each returns the target list's ids *without* the moved item and the index it takes there.

const idsIn = (view, columnId, exceptId) =>
  (view.tasksByColumn.get(columnId) ?? []).map((t) => t.id).filter((id) => id !== exceptId);

/**
 * One step of a card: 'up' / 'down' within its column, 'left' / 'right' to the neighbouring
 * column at the same height (or last). Null when it cannot go that way.
 */
export function cardStep(view, taskId, direction) {
  const task = view.tasks.get(taskId);
  if (!task) return null;
  const list = view.tasksByColumn.get(task.column_id) ?? [];
  const index = list.findIndex((t) => t.id === taskId);
  if (direction === 'up' || direction === 'down') {
    const ids = idsIn(view, task.column_id, taskId);
    const at = index + (direction === 'up' ? -1 : 1);
    return at < 0 || at > ids.length ? null : { columnId: task.column_id, ids, index: at };
  }
  const columnIndex = view.columns.findIndex((c) => c.id === task.column_id);
  const next = view.columns[columnIndex + (direction === 'left' ? -1 : 1)];
  if (!next) return null;
  const ids = idsIn(view, next.id, taskId);
  return { columnId: next.id, ids, index: Math.min(index, ids.length) };
}

/** A card to the end of another column (the "Move to column" menu). */
export function cardToColumn(view, taskId, columnId) {
  const ids = idsIn(view, columnId, taskId);
  return { columnId, ids, index: ids.length };
}

/** One step of a column left (-1) or right (+1). Null at either end. */
export function columnStep(view, columnId, step) {
  const index = view.columns.findIndex((c) => c.id === columnId);
  const ids = view.columns.map((c) => c.id).filter((id) => id !== columnId);
  const at = index + step;
  return index < 0 || at < 0 || at > ids.length ? null : { ids, index: at };
}
