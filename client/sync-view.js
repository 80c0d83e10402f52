// How a card or column shows its queued change: a "waiting to sync" badge, and, when the server
// holds a newer version, the conflict with both values and "Keep mine" / "Take theirs".
import { h } from './dom.js';
import { formatDay } from './format.js';
import { same } from './outbox-plan.js';

const BADGES = {
  pending: 'Waiting to sync',
  deleting: 'Will be deleted when back online',
  conflict: 'Conflict',
};

/** The badge for `item.sync`, or null. */
export function syncBadge(item, testid) {
  if (!item.sync) return null;
  return h('span', { class: `sync-badge sync-${item.sync}`, testid }, BADGES[item.sync]);
}

/**
 * The conflict's rows: [label, mine, theirs] for each field the queued change set.
 * `names`: {column(id), member(id), labels(ids)} turn ids into words.
 */
export function conflictRows(conflict, names) {
  const { mine, theirs } = conflict;
  if (!theirs) return [];
  if (mine.deleted) {
    return [['Card', 'Deleted', `Changed: “${theirs.title}” in ${names.column(theirs.column_id)}`]];
  }
  const rows = [];
  const text = {
    name: (v) => v,
    title: (v) => v,
    description: (v) => v || '—',
    column_id: (v) => names.column(v),
    assignee_id: (v) => (v == null ? 'Unassigned' : names.member(v)),
    due_date: (v) => (v ? formatDay(v) : 'None'),
    label_ids: (v) => names.labels(v ?? []) || 'None',
  };
  const labels = { name: 'Name', title: 'Title', description: 'Description', column_id: 'Column',
    assignee_id: 'Assignee', due_date: 'Due date', label_ids: 'Labels' };
  for (const [key, value] of Object.entries(mine)) {
    if (!(key in text)) continue; // position: shown by the place itself
    rows.push([labels[key], text[key](value), text[key](theirs[key])]);
  }
  // What the others changed that this change left alone: the user sees it before deciding.
  const was = conflict.was;
  if (was) {
    for (const key of Object.keys(text)) {
      if (key in mine || !(key in theirs) || same(was[key], theirs[key])) continue;
      rows.push([labels[key], text[key](was[key]), text[key](theirs[key])]);
    }
  }
  return rows;
}

/**
 * The conflict box: what you wanted, what the board has now, and the two ways out.
 * `what`: "this card" or "this column"; `testid`: suffix for the box and its buttons.
 */
export function conflictBox({ conflict, rows, what, testid, onKeepMine, onTakeTheirs }) {
  const heading = conflict.theirs
    ? `Someone changed ${what} while you were offline.`
    : `Your change to ${what} could not be applied.`;
  return h('div', { class: 'sync-conflict', role: 'group', 'aria-label': `Conflict on ${what}`,
    testid: `conflict-${testid}` },
    h('p', { class: 'sync-conflict-title' }, heading),
    rows.length
      ? h('table', { class: 'sync-conflict-values', testid: `conflict-values-${testid}` },
          h('thead', {}, h('tr', {},
            h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Field')),
            h('th', { scope: 'col' }, 'Yours'), h('th', { scope: 'col' }, 'Theirs'))),
          h('tbody', {}, rows.map(([label, mine, theirs]) =>
            h('tr', {}, h('th', { scope: 'row' }, label), h('td', {}, mine), h('td', {}, theirs)))))
      : null,
    h('div', { class: 'notice-actions' },
      h('button', { type: 'button', class: 'btn btn-small btn-primary',
        testid: `keep-mine-${testid}`, onclick: onKeepMine }, 'Keep mine'),
      h('button', { type: 'button', class: 'btn btn-small', testid: `take-theirs-${testid}`,
        onclick: onTakeTheirs }, 'Take theirs')));
}
