// The outbox as a queue (outbox.js), without IndexedDB (node has none: nothing persists) and
// with a fake socket: what it sends, in which order, and what answers do to the entries left.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Outbox } from '../outbox.js';
import { BoardStore } from '../store.js';

const board = () => new BoardStore({
  id: 1, seq: 1, role: 'owner', members: [], labels: [],
  columns: [{ id: 10, position: 'a', name: 'To do' }, { id: 11, position: 'b', name: 'Done' }],
  tasks: [{ id: 5, column_id: 10, position: 'a', version: 3, title: 'Plan' }],
});

/** An outbox whose socket answers with `answer(frame)`; records what was sent and refused. */
function outbox(answer) {
  const sent = [];
  const refused = [];
  const box = new Outbox({
    userId: 1, boardId: 1, store: board(),
    send: async (frame) => {
      sent.push(frame);
      return answer(frame);
    },
    onRefused: (entry, reply) => refused.push([entry.type, reply.code]),
  });
  return { box, sent, refused };
}

const create = (title, column) => ({ type: 'task.create', tempId: -1, label: title,
  data: { title, column_id: column }, show: { position: 'z' } });
const move = (id, column) => ({ type: 'task.update', data: { id, column_id: column },
  show: { position: 'y' }, base: { version: 3 } });
const edit = (id, title) => ({ type: 'task.update', data: { id, title }, base: { version: 3 } });

test('a card added offline and moved is created in the column it was moved to, then placed', async () => {
  const { box, sent } = outbox((frame) => ({ type: 'ack',
    data: { id: 90, version: frame.type === 'task.create' ? 1 : 2, column_id: 11 } }));
  await box.add(create('New', 10));
  await box.add(move(-1, 11));
  await box.replay();
  assert.deepEqual(sent.map((f) => [f.type, f.data]), [
    ['task.create', { title: 'New', column_id: 11 }],
    ['task.update', { id: 90, column_id: 11, version: 1 }],
  ]);
  assert.equal(box.size, 0);
  box.close();
});

test('a refused create takes the changes of its card with it: nothing waits forever', async () => {
  const { box, sent, refused } = outbox(() => ({ type: 'error', code: 'not_found' }));
  await box.add(create('Lost', 10));
  await box.add(move(-1, 11));
  await box.replay();
  assert.equal(sent.length, 1);
  assert.deepEqual(refused, [['task.create', 'not_found']]);
  assert.equal(box.size, 0);
  box.close();
});

test('a change chained to a refused one is sent on its own base and answered', async () => {
  const answers = [{ type: 'error', code: 'forbidden' }, { type: 'error', code: 'conflict',
    data: { id: 5, column_id: 10, version: 4, title: 'Theirs' } }];
  const { box, sent, refused } = outbox(() => answers.shift());
  await box.add(edit(5, 'Mine'));
  await box.add({ type: 'task.delete', data: { id: 5 }, base: { version: 3 }, label: 'Plan' });
  await box.replay();
  assert.deepEqual(sent.map((f) => [f.type, f.data.version]), [['task.update', 3], ['task.delete', 3]]);
  assert.deepEqual(refused, [['task.update', 'forbidden']]);
  assert.deepEqual(box.entries.map((e) => [e.type, e.state]), [['task.delete', 'conflict']]);
  box.close();
});

test('a lost socket keeps the entry for the next try, with the same ref', async () => {
  let fail = true;
  const { box, sent } = outbox(() => {
    if (fail) throw new Error('socket gone');
    return { type: 'ack', data: { id: 5, version: 4, column_id: 10, title: 'Mine' } };
  });
  await box.add(edit(5, 'Mine'));
  await box.replay();
  assert.equal(box.size, 1);
  fail = false;
  await box.replay();
  assert.equal(box.size, 0);
  assert.equal(sent[0].ref, sent[1].ref);
  box.close();
});
