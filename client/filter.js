// Which cards the filter bar lets through: every chosen label, the chosen assignee ("none" for
// unassigned) and the text in the title or description, case-insensitive. Pure, so the board can
// filter on every render and the rules are tested without a browser.

export const EMPTY_FILTER = Object.freeze({ labelIds: [], assignee: null, text: '' });

export function isActive(filter) {
  return filter.labelIds.length > 0 || filter.assignee != null || filter.text.trim() !== '';
}

export function matches(task, filter) {
  const labels = task.label_ids ?? [];
  if (!filter.labelIds.every((id) => labels.includes(id))) return false;
  if (filter.assignee === 'none' && task.assignee_id != null) return false;
  if (typeof filter.assignee === 'number' && task.assignee_id !== filter.assignee) return false;
  const text = filter.text.trim().toLowerCase();
  if (!text) return true;
  return `${task.title}\n${task.description ?? ''}`.toLowerCase().includes(text);
}
