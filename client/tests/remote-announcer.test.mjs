// node --test client/tests/
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { announceRemoteChanges, summarize } from '../remote-announcer.js';
import { BoardStore } from '../store.js';

const ANN = { id: 1, username: 'ann' };
const BOB = { id: 2, username: 'bob' };
const task = (id, column_id, position, title, version = 1) =>
  ({ id, column_id, position, version, title });
const snapshot = () => ({
  id: 1, name: 'B', owner_id: 1, role: 'owner', seq: 5,
  columns: [{ id: 10, position: 'a0', name: 'To do' }, { id: 30, position: 'a2', name: 'Done' }],
  tasks: [task(1, 10, 'a0', 'Launch plan'), task(2, 10, 'a1', 'Budget')],
  members: [{ user_id: 1, username: 'ann', role: 'owner' }],
});

/** A clock whose time moves only when the test says so. */
function fakeClock() {
  let now = 0;
  let next = 1;
  const timers = new Map();
  return {
    setTimeout(fn, ms) { timers.set(next, { at: now + ms, fn }); return next++; },
    clearTimeout(id) { timers.delete(id); },
    advance(ms) {
      const until = now + ms;
      for (;;) {
        const due = [...timers].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].fn();
      }
      now = until;
    },
  };
}

function setup() {
  const store = new BoardStore(snapshot());
  const clock = fakeClock();
  const said = [];
  const stop = announceRemoteChanges(store, ANN, (text) => said.push(text), { clock });
  let seq = store.seq;
  const apply = (name, data, actor = BOB) =>
    assert.equal(store.applyEvent({ type: 'event', seq: ++seq, name, data, actor }), 'applied');
  return { store, clock, said, stop, apply };
}

test('one remote change is told in words once the board is quiet for 1.5 s', () => {
  const { clock, said, apply } = setup();
  apply('task.updated', task(1, 30, 'b0', 'Launch plan', 2));
  clock.advance(1400);
  assert.deepEqual(said, []);
  clock.advance(100);
  assert.deepEqual(said, ['bob moved “Launch plan” to Done.']);
});

test('added, deleted, edited and moved within a column are each worded', () => {
  const { clock, said, apply } = setup();
  for (const [name, data] of [
    ['task.created', task(3, 10, 'a2', 'Hiring')],
    ['task.deleted', { id: 2, board_id: 1, column_id: 10 }],
    ['task.updated', task(1, 10, 'a0', 'Launch plan v2', 2)],
    ['task.updated', task(1, 10, 'a5', 'Launch plan v2', 3)],
    ['column.updated', { id: 30, position: 'a2', name: 'Shipped' }],
  ]) {
    apply(name, data);
    clock.advance(1500);
  }
  assert.deepEqual(said, [
    'bob added “Hiring”.',
    'bob deleted “Budget”.',
    'bob edited “Launch plan v2”.',
    'bob moved “Launch plan v2” within To do.',
    'bob renamed the column Done to Shipped.',
  ]);
});

test('the user’s own changes (from any tab) and rebalancing are not told', () => {
  const { clock, said, apply } = setup();
  apply('task.updated', task(1, 30, 'b0', 'Launch plan', 2), ANN);
  apply('tasks.rebalanced', { column_id: 10, tasks: [] });
  clock.advance(10_000);
  assert.deepEqual(said, []);
});

test('a burst of ten is summed up in one announcement', () => {
  const { clock, said, apply } = setup();
  for (let i = 0; i < 10; i += 1) {
    apply('task.created', task(100 + i, 10, `b${i}`, `Card ${i}`));
    clock.advance(200);
  }
  assert.deepEqual(said, []);
  clock.advance(1500);
  assert.deepEqual(said, ['bob made 10 changes.']);
});

test('a burst that never goes quiet is still told every 6 s, not held back', () => {
  const { clock, said, apply } = setup();
  for (let i = 0; i < 40; i += 1) {
    apply('task.created', task(100 + i, 10, `b${i}`, `Card ${i}`));
    clock.advance(250); // 10 s in all, never 1.5 s quiet
  }
  clock.advance(1500);
  assert.ok(said.length >= 2 && said.length <= 3, said);
  assert.equal(said.reduce((sum, text) => sum + Number(text.match(/\d+/)[0]), 0), 40);
});

test('several people in one burst are counted apart', () => {
  assert.equal(summarize([{ who: 'bob', text: 'x' }, { who: 'bob', text: 'y' }, { who: 'cy', text: 'z' }]),
    'bob made 2 changes. cy made a change.');
});

test('stopping drops what was not told yet', () => {
  const { clock, said, apply, stop } = setup();
  apply('task.created', task(3, 10, 'a2', 'Hiring'));
  stop();
  clock.advance(10_000);
  assert.deepEqual(said, []);
});
