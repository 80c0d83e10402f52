// The outbox's entries: how they show, which command replays them, how answers settle them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  afterConfirmed, afterDropped, alreadyApplied, applyEntries, coalesce, describe, frameFor, mineOf,
} from '../outbox-plan.js';
import { conflictRows } from '../sync-view.js';
import { BoardStore } from '../store.js';

const task = (id, extra = {}) => ({ id, column_id: 10, position: `a${id}`, version: 3,
  title: `t${id}`, description: '', label_ids: [], ...extra });
const snapshot = () => ({
  id: 1, name: 'B', role: 'editor', seq: 5,
  columns: [{ id: 10, position: 'a0', name: 'To do' }, { id: 11, position: 'a1', name: 'Done' }],
  tasks: [task(1), task(2)], members: [], labels: [],
});
let n = 0;
const entry = (type, data, extra = {}) =>
  ({ key: `k${++n}`, order: n, type, data, state: 'queued', ...extra });

test('queued changes show on the board, marked, over the confirmed state', () => {
  const store = new BoardStore(snapshot());
  const entries = [
    entry('task.create', { title: 'new', column_id: 11 }, { tempId: -1, show: { position: 'b', version: 0 } }),
    entry('task.update', { id: 1, title: 'renamed' }, { base: { version: 3 } }),
    entry('task.update', { id: 2, column_id: 11, before_id: -1 }, { base: { version: 3 }, show: { position: 'a' } }),
    entry('task.delete', { id: 1 }, { base: { chained: true } }),
    entry('column.update', { id: 10, name: 'Backlog' }, { base: { name: 'To do' } }),
  ];
  store.optimistic((draft) => applyEntries(draft, entries));
  const view = store.view();
  assert.deepEqual(view.tasksByColumn.get(11).map((t) => t.title), ['t2', 'new']);
  assert.equal(view.tasks.get(-1).sync, 'pending');
  assert.equal(view.tasks.get(-1).pending, true);
  assert.equal(view.tasks.get(1).title, 'renamed');
  assert.equal(view.tasks.get(1).sync, 'deleting');
  assert.equal(view.columns.find((c) => c.id === 10).name, 'Backlog');
  assert.equal(view.columns.find((c) => c.id === 10).sync, 'pending');
  assert.equal(store.tasks.get(1).title, 't1', 'the confirmed state is untouched');
});

test('a conflict shows the server value with both sides', () => {
  const store = new BoardStore(snapshot());
  const theirs = task(1, { title: 'theirs', version: 4 });
  store.upsertTask(theirs);
  const parked = entry('task.update', { id: 1, title: 'mine' },
    { base: { version: 3 }, state: 'conflict', theirs });
  store.optimistic((draft) => applyEntries(draft, [parked]));
  const shown = store.view().tasks.get(1);
  assert.equal(shown.title, 'theirs');
  assert.equal(shown.sync, 'conflict');
  assert.deepEqual(shown.conflict.mine, { title: 'mine' });
  assert.equal(shown.conflict.theirs.title, 'theirs');
  assert.equal(frameFor(parked), null, 'a conflict waits for the user');
});

test('each entry replays as its command with its precondition; a chained one waits', () => {
  const update = entry('task.update', { id: 1, title: 'x' }, { base: { version: 3 } });
  assert.deepEqual(frameFor(update),
    { type: 'task.update', ref: update.key, data: { id: 1, title: 'x', version: 3 } });
  const rename = entry('column.update', { id: 10, name: 'B' }, { base: { name: 'A' } });
  assert.deepEqual(frameFor(rename).data, { id: 10, name: 'B', expected_name: 'A' });
  const create = entry('task.create', { title: 'n', column_id: 10 }, { tempId: -4, restKey: 'r' });
  assert.deepEqual(frameFor(create), { type: 'task.create', ref: create.key,
    data: { title: 'n', column_id: 10 }, restKey: 'r' });
  assert.equal(frameFor(entry('task.delete', { id: 1 }, { base: { chained: true } })), null);
});

test('a confirmed create gives its real id to later entries; a chained change gets the version', () => {
  const create = entry('task.create', { title: 'n', column_id: 10 }, { tempId: -7 });
  const move = entry('task.update', { id: 2, column_id: 10, after_id: -7 }, { base: { version: 3 } });
  const edit = entry('task.update', { id: 2, title: 'y' }, { base: { chained: true } });
  assert.deepEqual(afterConfirmed([create, move, edit], create, { id: 90, version: 1 }),
    [{ ...move, data: { id: 2, column_id: 10, after_id: 90 } }]);
  const [chained] = afterConfirmed([move, edit], move, { id: 2, version: 4 });
  assert.deepEqual(chained.base, { version: 4 });
  assert.equal(frameFor(chained).data.version, 4);
});

test('taking theirs sends the chained changes against the old version: they conflict too', () => {
  const first = entry('task.update', { id: 2, title: 'a' },
    { base: { version: 3 }, state: 'conflict', theirs: task(2, { version: 5 }) });
  const second = entry('task.update', { id: 2, column_id: 11 }, { base: { chained: true } });
  const other = entry('task.update', { id: 1, title: 'z' }, { base: { chained: true } });
  assert.deepEqual(afterDropped([first, second, other], first), [{ ...second, base: { version: 3 } }]);
});

test('a conflict whose current value is already ours was an earlier send: applied', () => {
  const edit = entry('task.update', { id: 1, title: 'x', label_ids: [2, 1] }, { base: { version: 3 } });
  assert.equal(alreadyApplied(edit, task(1, { title: 'x', label_ids: [1, 2], version: 4 })), true);
  assert.equal(alreadyApplied(edit, task(1, { title: 'y', label_ids: [1, 2], version: 4 })), false);
  const move = entry('task.update', { id: 1, column_id: 11, before_id: 2 }, { base: { version: 3 } });
  assert.equal(alreadyApplied(move, task(1, { column_id: 11 })), false, 'a place is not comparable');
  assert.equal(alreadyApplied(entry('column.update', { id: 10, name: 'B' }), { id: 10, name: 'B' }), true);
  assert.deepEqual(mineOf(entry('task.delete', { id: 1 })), { deleted: true });
});

test('a further edit of a card merges with its last queued edit; a new place replaces the old', () => {
  const move = entry('task.update', { id: 2, column_id: 11, before_id: 5 },
    { base: { version: 3 }, show: { position: 'a' } });
  const title = coalesce(move, { type: 'task.update', data: { id: 2, title: 'x' }, label: 'x' });
  assert.deepEqual(title.data, { id: 2, column_id: 11, before_id: 5, title: 'x' });
  assert.deepEqual(title.base, { version: 3 });
  const again = coalesce(title, { type: 'task.update', data: { id: 2, column_id: 10 },
    show: { position: 'z' } });
  assert.deepEqual(again.data, { id: 2, title: 'x', column_id: 10 });
  assert.equal(again.show.position, 'z');
  assert.equal(coalesce({ ...move, state: 'conflict' }, { type: 'task.update', data: { id: 2 } }), null);
  assert.equal(coalesce(move, { type: 'task.delete', data: { id: 2 } }), null);
  assert.equal(coalesce(entry('task.create', {}, { tempId: -1 }),
    { type: 'task.update', data: { id: -1 } }), null);
});

test('the conflict names what the others changed too, not only what this change set', () => {
  const was = task(1, { title: 'Old', column_id: 10 });
  const theirs = task(1, { title: 'Old', column_id: 11, version: 4 });
  const names = { column: (id) => ({ 10: 'To do', 11: 'Done' })[id], member: String,
    labels: () => '' };
  assert.deepEqual(conflictRows({ mine: { title: 'Mine' }, theirs, was }, names), [
    ['Title', 'Mine', 'Old'],
    ['Column', 'To do', 'Done'],
  ]);
  assert.deepEqual(describe(entry('task.update', { id: 1, column_id: 11 }, { label: 'A' })), 'move “A”');
  assert.deepEqual(describe(entry('task.update', { id: 1, title: 'B' }, { label: 'B' })), 'edit “B”');
});
