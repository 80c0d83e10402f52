import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cardStep, cardToColumn, columnStep } from '../moves.js';
import { between, neighboursAt, placementBody } from '../order.js';

test('between() is strictly between its bounds', () => {
  const keys = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  const random = () => Array.from({ length: 1 + Math.floor(Math.random() * 4) },
    () => keys[Math.floor(Math.random() * keys.length)]).join('');
  for (let i = 0; i < 5000; i++) {
    let [a, b] = [random(), random()];
    if (a === b) continue;
    if (a > b) [a, b] = [b, a];
    const s = between(a, b);
    assert.ok(a < s && s < b, `${a} < ${s} < ${b}`);
  }
  assert.ok(between('a0', null) > 'a0');
  assert.ok(between(null, 'a0') < 'a0');
  assert.ok(between('a1', 'a1') > 'a1'); // stale neighbours must not loop
});

test('drop neighbours and the one the API gets', () => {
  assert.deepEqual(neighboursAt([1, 2, 3], 0), { afterId: null, beforeId: 1 });
  assert.deepEqual(neighboursAt([1, 2, 3], 3), { afterId: 3, beforeId: null });
  assert.deepEqual(placementBody({ afterId: 1, beforeId: 2 }), { before_id: 2 });
  assert.deepEqual(placementBody({ afterId: 3, beforeId: null }), { after_id: 3 });
  assert.deepEqual(placementBody({ afterId: null, beforeId: null }), {});
});

const view = {
  columns: [{ id: 10 }, { id: 20 }],
  tasks: new Map([[1, { id: 1, column_id: 10 }], [2, { id: 2, column_id: 10 }], [3, { id: 3, column_id: 20 }]]),
  tasksByColumn: new Map([[10, [{ id: 1 }, { id: 2 }]], [20, [{ id: 3 }]]]),
};

test('keyboard steps', () => {
  assert.equal(cardStep(view, 1, 'up'), null);
  assert.deepEqual(cardStep(view, 1, 'down'), { columnId: 10, ids: [2], index: 1 });
  assert.deepEqual(cardStep(view, 2, 'right'), { columnId: 20, ids: [3], index: 1 });
  assert.equal(cardStep(view, 3, 'right'), null);
  assert.deepEqual(cardToColumn(view, 1, 20), { columnId: 20, ids: [3], index: 1 });
  assert.deepEqual(columnStep(view, 10, 1), { ids: [20], index: 1 });
  assert.equal(columnStep(view, 10, -1), null);
});
