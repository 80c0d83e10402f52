// One card on the board. The <li> and its buttons persist across updates so focus survives
// live changes; only the contents are rebuilt when what they show changes.
import { avatar } from './avatar.js';
import { h, replace } from './dom.js';
import { dueState, formatDay } from './format.js';
import { labelChip } from './labels.js';
import { menuButton } from './menu.js';
import { conflictBox, conflictRows, syncBadge } from './sync-view.js';

/**
 * ctx: {canEdit, membersById, labelsById, doneColumn(columnId) -> bool, onOpen(taskId),
 *       menuItems(taskId), names: {column, member, labels}, onKeepMine(key), onTakeTheirs(key)}
 */
export function createCard(task, ctx) {
  const main = h('button', { type: 'button', class: 'card-main', testid: `card-open-${task.id}`,
    onclick: () => ctx.onOpen(task.id) });
  const li = h('li', { class: 'card', dataset: { id: task.id } }, main);
  li.main = main;
  updateCard(li, task, ctx);
  return li;
}

export function updateCard(li, task, ctx) {
  const assignee = task.assignee_id != null ? ctx.membersById.get(task.assignee_id) : null;
  const done = ctx.doneColumn(task.column_id);
  const labels = (task.label_ids ?? []).map((id) => ctx.labelsById.get(id)).filter(Boolean);
  const comments = task.comment_count ?? 0;
  const total = task.checklist_total ?? 0;
  const ticked = task.checklist_done ?? 0;
  const signature = JSON.stringify([task.title, task.description ? 1 : 0, task.due_date,
    assignee?.username, task.pending, ctx.canEdit, done, task.version, task.column_id,
    labels.map((l) => [l.id, l.name, l.color]), comments, total, ticked, task.sync,
    task.conflict?.key, task.conflict?.theirs?.version]);
  li.dataset.testid = `card-${task.id}`;
  li.dataset.columnId = task.column_id;
  li.dataset.version = task.version;
  if (li.signature === signature) return;
  li.signature = signature;
  li.classList.toggle('pending', Boolean(task.pending));
  for (const state of ['pending', 'deleting', 'conflict']) {
    li.classList.toggle(`sync-${state}`, task.sync === state);
  }
  li.main.dataset.testid = `card-open-${task.id}`;
  // A card added offline waits in the outbox, maybe for long: it can be moved and deleted there
  // (by key or menu), only not opened. One being added online is settled in a moment.
  const queuedNew = Boolean(task.pending) && task.sync === 'pending';
  li.main.disabled = Boolean(task.pending) && !queuedNew;

  const meta = [];
  if (task.due_date) {
    const state = done ? 'done' : dueState(task.due_date);
    const label = state === 'overdue' ? 'Overdue' : state === 'today' ? 'Due today' : 'Due';
    meta.push(h('span', { class: `chip chip-due due-${state}`, testid: `card-due-${task.id}`,
      title: `${label} ${formatDay(task.due_date)}` },
      h('span', { class: 'sr-only' }, `${label} `), formatDay(task.due_date)));
  }
  if (task.description) {
    meta.push(h('span', { class: 'chip chip-icon', title: 'Has a description' },
      h('span', { 'aria-hidden': 'true' }, '≡'), h('span', { class: 'sr-only' }, 'Has a description')));
  }
  if (total > 0) {
    meta.push(h('span', { class: `chip chip-checklist${ticked === total ? ' chip-complete' : ''}`,
      testid: `card-checklist-${task.id}`, title: `Checklist: ${ticked} of ${total} done` },
      h('span', { 'aria-hidden': 'true' }, '☑'), h('span', { class: 'sr-only' }, 'Checklist '),
      `${ticked}/${total}`));
  }
  if (comments > 0) {
    const text = `${comments} comment${comments === 1 ? '' : 's'}`;
    meta.push(h('span', { class: 'chip', testid: `card-comments-${task.id}`, title: text },
      h('span', { 'aria-hidden': 'true' }, '❝'), h('span', { class: 'sr-only' }, 'Comments: '),
      String(comments)));
  }
  replace(li.main,
    labels.length
      ? h('span', { class: 'card-labels', testid: `card-labels-${task.id}` },
          labels.map((l) => labelChip(l, { testid: `card-label-${task.id}-${l.id}` })))
      : null,
    h('span', { class: 'card-title', testid: `card-title-${task.id}` }, task.title),
    syncBadge(task, `card-sync-${task.id}`),
    meta.length || assignee
      ? h('span', { class: 'card-meta' },
          h('span', { class: 'card-chips' }, meta),
          assignee
            ? h('span', { class: 'card-assignee', testid: `card-assignee-${task.id}` },
                h('span', { class: 'sr-only' }, 'Assigned to '),
                avatar({ id: task.assignee_id, username: assignee.username },
                  { size: 'sm', title: `Assigned to ${assignee.username}` }))
            : null)
      : null);

  li.conflictEl?.remove();
  li.conflictEl = task.conflict
    ? conflictBox({ conflict: task.conflict, rows: conflictRows(task.conflict, ctx.names),
        what: `“${task.title}”`, testid: `card-${task.id}`,
        onKeepMine: () => ctx.onKeepMine(task.conflict.key, `card-open-${task.id}`),
        onTakeTheirs: () => ctx.onTakeTheirs(task.conflict.key, `card-open-${task.id}`) })
    : null;
  if (li.conflictEl) li.main.after(li.conflictEl);

  const wantMenu = ctx.canEdit && (!task.pending || queuedNew);
  if (!wantMenu && li.menu) {
    li.menu.remove();
    li.menu = null;
  } else if (wantMenu && !li.menu) {
    // Items are built at click time from the latest state, so the button itself never changes.
    li.menu = menuButton({ label: 'Card actions', testid: `card-menu-${task.id}`,
      items: () => ctx.menuItems(Number(li.dataset.id)) });
    li.menu.classList.add('card-menu-btn');
    li.append(li.menu);
  }
  if (li.menu) li.menu.setAttribute('aria-label', `Actions for ${task.title}`);
}
