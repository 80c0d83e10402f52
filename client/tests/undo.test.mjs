// What "Undo" sends and when it must ask first (undo-plan.js).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BoardStore } from '../store.js';
import { editBackBody, moveBackBody, placeOf, undoCheck, whoChanged } from '../undo-plan.js';

const task = (id, column_id, position, extra = {}) =>
  ({ id, column_id, position, version: 1, title: `t${id}`, label_ids: [], ...extra });
const store = () => new BoardStore({
  id: 1, name: 'B', role: 'editor', seq: 1,
  columns: [{ id: 10, position: 'a0', name: 'To do' }, { id: 20, position: 'a1', name: 'Done' }],
  tasks: [task(1, 10, 'a0'), task(2, 10, 'a1'), task(3, 10, 'a2'), task(4, 20, 'a0')],
  members: [],
});

test('a card\'s place is its column and its neighbours there', () => {
  const view = store().view();
  assert.deepEqual(placeOf(view, 2), { columnId: 10, afterId: 1, beforeId: 3 });
  assert.deepEqual(placeOf(view, 1), { columnId: 10, afterId: null, beforeId: 2 });
  assert.deepEqual(placeOf(view, 4), { columnId: 20, afterId: null, beforeId: null });
  assert.equal(placeOf(view, 99), null);
});

test('a move goes back before its old next card, else after its old previous one', () => {
  const s = store();
  const place = { columnId: 10, afterId: 1, beforeId: 3 };
  assert.deepEqual(moveBackBody(place, s.tasks), { column_id: 10, before_id: 3 });
  s.upsertTask(task(3, 20, 'b0', { version: 2 })); // its old next card left the column
  assert.deepEqual(moveBackBody(place, s.tasks), { column_id: 10, after_id: 1 });
  s.removeTask(1);
  assert.deepEqual(moveBackBody(place, s.tasks), { column_id: 10 });
});

test('an edit puts back exactly the fields it changed', () => {
  const before = task(1, 10, 'a0', { title: 'Old', description: null, assignee_id: null,
    due_date: '2030-01-01T12:00:00+00:00', label_ids: [7] });
  assert.deepEqual(editBackBody(before, { title: 'New', label_ids: [7, 8] }),
    { title: 'Old', label_ids: [7] });
  assert.deepEqual(editBackBody(before, { assignee_id: 3, due_date: null, description: 'x' }),
    { assignee_id: null, due_date: '2030-01-01T12:00:00+00:00', description: '' });
});

test('an undo goes ahead only while the card is at the version our change produced', () => {
  assert.equal(undoCheck(undefined, 2), 'gone');
  assert.equal(undoCheck({ version: 2 }, 2), 'apply');
  assert.equal(undoCheck({ version: 3 }, 2), 'ask');
});

test('the question names who changed the card', () => {
  const me = { id: 1, username: 'ann' };
  assert.equal(whoChanged({ id: 2, username: 'bob' }, me), 'bob');
  assert.equal(whoChanged({ id: 1, username: 'ann' }, me), 'You');
  assert.equal(whoChanged(undefined, me), 'Someone');
});
