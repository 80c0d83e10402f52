// node --test client/tests/  (no dependencies; the modules under test touch no DOM)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BoardStore } from '../store.js';

const task = (id, column_id, position, version = 1, title = `t${id}`) =>
  ({ id, column_id, position, version, title });
const snapshot = () => ({
  id: 1, name: 'B', owner_id: 1, role: 'owner', seq: 5,
  columns: [{ id: 20, position: 'a1', name: 'Doing' }, { id: 10, position: 'a0', name: 'To do' }],
  tasks: [task(2, 10, 'a1'), task(1, 10, 'a0'), task(3, 10, 'Zz')],
  members: [{ user_id: 1, username: 'ann', role: 'owner' }],
});
const event = (seq, name, data) => ({ type: 'event', seq, name, data, actor: { id: 2, username: 'bob' } });

test('orders columns and tasks by plain string comparison of position', () => {
  const view = new BoardStore(snapshot()).view();
  assert.deepEqual(view.columns.map((c) => c.id), [10, 20]);
  // 'Zz' < 'a0' in code-unit order (localeCompare would say otherwise)
  assert.deepEqual(view.tasksByColumn.get(10).map((t) => t.id), [3, 1, 2]);
});

test('applies events in seq order: stale ignored, gaps reported', () => {
  const store = new BoardStore(snapshot());
  assert.equal(store.applyEvent(event(5, 'task.deleted', { id: 1 })), 'stale');
  assert.equal(store.applyEvent(event(7, 'task.deleted', { id: 1 })), 'gap');
  assert.equal(store.seq, 5);
  assert.equal(store.applyEvent(event(6, 'task.updated', task(1, 20, 'b0', 2))), 'applied');
  assert.equal(store.seq, 6);
  assert.deepEqual(store.view().tasksByColumn.get(20).map((t) => t.id), [1]);
});

test('an older task version never replaces a newer one', () => {
  const store = new BoardStore(snapshot());
  store.upsertTask(task(1, 10, 'a0', 3, 'new'));
  store.applyEvent(event(6, 'task.updated', task(1, 10, 'a0', 2, 'old')));
  assert.equal(store.tasks.get(1).title, 'new');
});

test('a task we deleted is not resurrected by a late event', () => {
  const store = new BoardStore(snapshot());
  store.removeTask(2);
  store.applyEvent(event(6, 'task.updated', task(2, 10, 'a1', 2)));
  assert.equal(store.view().tasks.has(2), false);
});

test('optimistic overlays show at once and roll back without touching newer server state', () => {
  const store = new BoardStore(snapshot());
  const settle = store.optimistic((draft) => {
    draft.tasks.set(1, { ...draft.tasks.get(1), title: 'mine' });
  });
  assert.equal(store.view().tasks.get(1).title, 'mine');
  store.applyEvent(event(6, 'task.updated', task(2, 10, 'a1', 2, 'theirs')));
  settle(); // rolled back
  assert.equal(store.view().tasks.get(1).title, 't1');
  assert.equal(store.view().tasks.get(2).title, 'theirs');
});

test('members are keyed by user_id and removed by it', () => {
  const store = new BoardStore(snapshot());
  store.applyEvent(event(6, 'member.added', { user_id: 2, username: 'bob', role: 'viewer' }));
  assert.deepEqual(store.view().members.map((m) => m.username), ['ann', 'bob']);
  store.applyEvent(event(7, 'member.removed', { user_id: 2, username: 'bob' }));
  assert.deepEqual(store.view().members.map((m) => m.username), ['ann']);
});

test('board.updated keeps our role', () => {
  const store = new BoardStore(snapshot());
  store.applyEvent(event(6, 'board.updated', { id: 1, name: 'Renamed', role: 'viewer' }));
  assert.equal(store.view().board.name, 'Renamed');
  assert.equal(store.view().role, 'owner');
});

test('a rebalance replaces the positions of a column\'s tasks, or of the board\'s columns', () => {
  const store = new BoardStore(snapshot());
  store.upsertTask(task(2, 10, 'a1', 4, 'newer')); // our own answer, ahead of the rebalance
  const fresh = [{ id: 3, position: 'a0', version: 2 }, { id: 1, position: 'a1', version: 2 },
    { id: 2, position: 'a2', version: 2 }];
  assert.equal(store.applyEvent(event(6, 'tasks.rebalanced', { column_id: 10, tasks: fresh })), 'applied');
  assert.deepEqual(store.view().tasksByColumn.get(10).map((t) => t.id), [3, 1, 2]);
  assert.deepEqual([store.tasks.get(3).position, store.tasks.get(3).title], ['a0', 't3']);
  assert.equal(store.tasks.get(2).version, 4);
  const columns = [{ id: 10, position: 'a0' }, { id: 20, position: 'a1' }];
  store.applyEvent(event(7, 'columns.rebalanced', { board_id: 1, columns }));
  assert.deepEqual(store.view().columns.map((c) => [c.id, c.position, c.name]),
    [[10, 'a0', 'To do'], [20, 'a1', 'Doing']]);
});

test('toSnapshot() is the confirmed state in the shape load() takes, without overlays', () => {
  const store = new BoardStore({ ...snapshot(), labels: [{ id: 7, name: 'Bug', color: 'red' }] });
  store.applyEvent(event(6, 'task.updated', task(1, 20, 'b0', 2, 'moved')));
  const settle = store.optimistic((draft) => {
    draft.tasks.set(-1, task(-1, 10, 'a9'));
    draft.tasks.delete(2);
  });
  const kept = store.toSnapshot();
  assert.equal(kept.seq, 6);
  assert.equal(kept.name, 'B');
  assert.equal(kept.role, 'owner');
  assert.deepEqual(kept.tasks.map((t) => t.id).sort(), [1, 2, 3]);
  assert.equal(kept.tasks.find((t) => t.id === 1).title, 'moved');
  assert.deepEqual(kept.labels.map((l) => l.id), [7]);
  const reopened = new BoardStore(JSON.parse(JSON.stringify(kept)));
  settle();
  assert.deepEqual(reopened.view().tasksByColumn, store.view().tasksByColumn);
  assert.deepEqual(reopened.view().members, store.view().members);
  assert.equal(reopened.seq, 6);
});
