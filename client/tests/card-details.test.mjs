// Store reducers for issue 18's events, the editor's detail lists, labels and the filter.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DetailList } from '../details.js';
import { matches } from '../filter.js';
import { COLORS, PALETTE, contrastRatio } from '../labels.js';
import { BoardStore } from '../store.js';

const task = (id, extra = {}) => ({ id, column_id: 10, position: `a${id}`, version: 1,
  title: `t${id}`, description: '', label_ids: [], comment_count: 0, checklist_total: 0,
  checklist_done: 0, ...extra });
const snapshot = () => ({
  id: 1, name: 'B', role: 'editor', seq: 1,
  columns: [{ id: 10, position: 'a0', name: 'To do' }],
  tasks: [task(1, { label_ids: [7, 8] }), task(2, { label_ids: [8] })],
  members: [{ user_id: 1, username: 'ann', role: 'owner' }],
  labels: [{ id: 7, name: 'bug', color: 'red' }, { id: 8, name: 'api', color: 'blue' }],
});
const event = (seq, name, data, actor = { id: 2, username: 'bob' }) =>
  ({ type: 'event', seq, name, data, actor });
const counters = (id, comment_count, checklist_total = 0, checklist_done = 0) =>
  ({ id, comment_count, checklist_total, checklist_done });

test('labels come with the snapshot and follow label events', () => {
  const store = new BoardStore(snapshot());
  assert.deepEqual(store.view().labels.map((l) => l.name), ['api', 'bug']);
  store.applyEvent(event(2, 'label.created', { id: 9, name: 'docs', color: 'green' }));
  store.applyEvent(event(3, 'label.updated', { id: 7, name: 'defect', color: 'red' }));
  assert.equal(store.view().labelsById.get(7).name, 'defect');
  assert.equal(store.view().labels.length, 3);
});

test('label.deleted takes the label off every card without touching versions', () => {
  const store = new BoardStore(snapshot());
  store.applyEvent(event(2, 'label.deleted', { id: 8, board_id: 1 }));
  assert.deepEqual(store.tasks.get(1).label_ids, [7]);
  assert.deepEqual(store.tasks.get(2).label_ids, []);
  assert.equal(store.tasks.get(1).version, 1);
  assert.equal(store.view().labelsById.has(8), false);
});

test('a label we deleted leaves the cards at once, as the server will say', () => {
  const store = new BoardStore(snapshot());
  store.removeLabel(7);
  assert.deepEqual(store.tasks.get(1).label_ids, [8]);
  assert.equal(store.labels.has(7), false);
  assert.equal(store.applyEvent(event(2, 'label.deleted', { id: 7, board_id: 1 })), 'applied');
});

test('comment and checklist events carry the card counters', () => {
  const store = new BoardStore(snapshot());
  store.applyEvent(event(2, 'comment.created', { id: 5, task_id: 1, task: counters(1, 1) }));
  store.applyEvent(event(3, 'checklist.created', { id: 6, task_id: 1, task: counters(1, 1, 1, 0) }));
  store.applyEvent(event(4, 'checklist.updated', { id: 6, task_id: 1, task: counters(1, 1, 1, 1) }));
  store.applyEvent(event(5, 'comment.deleted', { id: 5, task_id: 1, task: counters(1, 0, 1, 1) }));
  const t = store.tasks.get(1);
  assert.deepEqual([t.comment_count, t.checklist_total, t.checklist_done, t.version], [0, 1, 1, 1]);
});

test('an answer for the same version keeps the counters events brought', () => {
  const store = new BoardStore(snapshot());
  store.applyEvent(event(2, 'comment.created', { id: 5, task_id: 1, task: counters(1, 3) }));
  store.upsertTask(task(1, { comment_count: 0 })); // our own PATCH's answer, same version
  assert.equal(store.tasks.get(1).comment_count, 3);
  store.upsertTask(task(1, { version: 2, title: 'new', comment_count: 3 }));
  assert.equal(store.tasks.get(1).title, 'new');
});

test('task.restored brings back a card we deleted ourselves, at its place', () => {
  const store = new BoardStore(snapshot());
  store.removeTask(1);
  store.applyEvent(event(2, 'task.updated', task(1, { version: 2 }))); // late: stays gone
  assert.equal(store.tasks.has(1), false);
  store.applyEvent(event(3, 'task.restored', task(1, { version: 3 })));
  assert.deepEqual(store.view().tasksByColumn.get(10).map((t) => t.id), [1, 2]);
  assert.equal(store.changedBy(1, 3).username, 'bob');
});

test('column.restored brings a column back; restoreColumn after our own delete too', () => {
  const store = new BoardStore(snapshot());
  store.removeColumn(10);
  store.applyEvent(event(2, 'column.updated', { id: 10, position: 'a0', name: 'late' }));
  assert.equal(store.view().columns.length, 0);
  store.applyEvent(event(3, 'column.restored', { id: 10, position: 'a0', name: 'To do' }));
  assert.deepEqual(store.view().columns.map((c) => c.name), ['To do']);
});

test('board.restored only advances seq and keeps our role', () => {
  const store = new BoardStore(snapshot());
  assert.equal(store.applyEvent(event(2, 'board.restored', { id: 1, name: 'B', role: 'x' })),
    'applied');
  assert.equal(store.view().role, 'editor');
});

test('who made a task\'s version is remembered from its events, for that version only', () => {
  const store = new BoardStore(snapshot());
  store.applyEvent(event(2, 'task.updated', task(2, { version: 2 }), { id: 3, username: 'cy' }));
  assert.equal(store.changedBy(2, 2).username, 'cy');
  assert.equal(store.changedBy(2, 3), null); // a 412 that beat its event: not cy's doing
  store.applyEvent(event(3, 'task.updated', task(2, { version: 3 }), { id: 2, username: 'bob' }));
  assert.equal(store.changedBy(2, 3).username, 'bob');
});

const comment = (id, updated_at = '2026-01-01T00:00:0' + id + 'Z', task_id = 1) =>
  ({ id, task_id, body: `c${id}`, created_at: `2026-01-01T00:00:0${id}Z`, updated_at });

test('a detail list keeps events that arrive while it loads, and applies them once', () => {
  const list = new DetailList({ taskId: 1, kind: 'comment' });
  list.apply(event(2, 'comment.created', comment(3)));
  list.apply(event(3, 'comment.deleted', { id: 1, task_id: 1 }));
  list.apply(event(4, 'comment.created', comment(4, undefined, 2))); // another card's
  list.apply(event(5, 'checklist.created', { id: 9, task_id: 1 })); // another kind
  list.load([comment(1), comment(2), comment(3)]); // the answer already had 3
  assert.deepEqual(list.list().map((c) => c.id), [2, 3]);
});

test('a detail list ignores an older copy and a late event for a deleted item', () => {
  const list = new DetailList({ taskId: 1, kind: 'comment' });
  list.load([comment(1, '2026-01-02T00:00:00Z')]);
  assert.equal(list.apply(event(2, 'comment.updated', comment(1, '2026-01-01T00:00:05Z'))), false);
  list.remove(1);
  assert.equal(list.apply(event(3, 'comment.updated', comment(1, '2026-01-03T00:00:00Z'))), false);
  assert.equal(list.apply(event(4, 'comment.restored', comment(1, '2026-01-04T00:00:00Z'))), true);
  assert.deepEqual(list.list().map((c) => c.id), [1]);
});

test('checklist items are ordered by position like cards (code units, then id)', () => {
  const list = new DetailList({ taskId: 1, kind: 'checklist' });
  const item = (id, position) => ({ id, task_id: 1, position, updated_at: 'x' });
  list.load([item(1, 'a1'), item(2, 'Zz'), item(3, 'a0')]);
  assert.deepEqual(list.list().map((i) => i.id), [2, 3, 1]);
});

test('checklist.rebalanced gives every item its fresh key', () => {
  const list = new DetailList({ taskId: 1, kind: 'checklist' });
  const item = (id, position) => ({ id, task_id: 1, position, text: `i${id}`, updated_at: 'a' });
  list.load([item(1, 'a0'), item(2, 'a0V')]);
  list.apply(event(2, 'checklist.rebalanced', { task_id: 1, task: counters(1, 0, 2, 0),
    items: [{ id: 1, position: 'b1', updated_at: 'b' }, { id: 2, position: 'b0', updated_at: 'b' }] }));
  assert.deepEqual(list.list().map((i) => [i.id, i.text]), [[2, 'i2'], [1, 'i1']]);
});

test('every label colour keeps AA contrast (4.5:1) for its text', () => {
  assert.deepEqual(COLORS, ['gray', 'red', 'orange', 'yellow', 'green', 'teal', 'blue', 'purple',
    'pink']); // the server's LabelColor
  for (const [name, [background, text]] of Object.entries(PALETTE)) {
    assert.ok(contrastRatio(background, text) >= 4.5, `${name}: ${contrastRatio(background, text)}`);
  }
  assert.equal(Math.round(contrastRatio('#000000', '#ffffff')), 21);
});

test('the filter wants every chosen label, the assignee and the text', () => {
  const t = task(1, { label_ids: [7, 8], assignee_id: 4, title: 'Fix Login', description: 'OAuth' });
  const f = (over) => ({ labelIds: [], assignee: null, text: '', ...over });
  assert.ok(matches(t, f({})));
  assert.ok(matches(t, f({ labelIds: [7, 8] })));
  assert.ok(!matches(t, f({ labelIds: [7, 9] })));
  assert.ok(matches(t, f({ assignee: 4 })));
  assert.ok(!matches(t, f({ assignee: 5 })));
  assert.ok(!matches(t, f({ assignee: 'none' })));
  assert.ok(matches(task(2), f({ assignee: 'none' })));
  assert.ok(matches(t, f({ text: ' login ' })));
  assert.ok(matches(t, f({ text: 'oauth' })));
  assert.ok(!matches(t, f({ text: 'logout' })));
});
