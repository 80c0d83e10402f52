// What an "Undo" sends, decided without DOM or network: where a moved card goes back to, which
// values an edit puts back, and whether the card is still as our own change left it.

/** Where a card is now: its column and the cards it sits between (for putting it back). */
export function placeOf(view, taskId) {
  const task = view.tasks.get(taskId);
  if (!task) return null;
  const ids = (view.tasksByColumn.get(task.column_id) ?? []).map((t) => t.id);
  const index = ids.indexOf(taskId);
  return {
    columnId: task.column_id,
    afterId: index > 0 ? ids[index - 1] : null,
    beforeId: index >= 0 && index < ids.length - 1 ? ids[index + 1] : null,
  };
}

/**
 * The PATCH body that puts a moved card back at `place`: next to whichever old neighbour is still
 * in that column (the one it preceded first), else at the column's end.
 */
export function moveBackBody(place, tasksNow) {
  const stillThere = (id) => id != null && tasksNow.get(id)?.column_id === place.columnId;
  if (stillThere(place.beforeId)) return { column_id: place.columnId, before_id: place.beforeId };
  if (stillThere(place.afterId)) return { column_id: place.columnId, after_id: place.afterId };
  return { column_id: place.columnId };
}

const EDITABLE = ['title', 'description', 'assignee_id', 'due_date', 'label_ids'];

/** The PATCH body that puts back what an edit (`fields`) changed, from the card before it. */
export function editBackBody(before, fields) {
  const body = {};
  for (const key of EDITABLE) {
    if (key in fields) body[key] = before[key] ?? (key === 'label_ids' ? [] : before[key] ?? null);
  }
  if ('description' in body && body.description == null) body.description = '';
  return body;
}

/**
 * Can an undo go ahead? 'gone' (the card is not on the board), 'apply' (it is still at the version
 * our change produced) or 'ask' (someone changed it since: never overwrite without asking).
 */
export function undoCheck(current, producedVersion) {
  if (!current) return 'gone';
  return current.version > producedVersion ? 'ask' : 'apply';
}

/** "bob", "You" or "Someone": who made the change an undo would overwrite. */
export function whoChanged(actor, me) {
  if (!actor) return 'Someone';
  return actor.id === me?.id ? 'You' : actor.username;
}
