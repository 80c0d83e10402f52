import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { forgetRememberedUser, rememberUser, rememberedUser } from '../offline-user.js';

const items = new Map();
globalThis.localStorage = {
  getItem: (key) => (items.has(key) ? items.get(key) : null),
  setItem: (key, value) => items.set(key, String(value)),
  removeItem: (key) => items.delete(key),
};
beforeEach(() => items.clear());

test('only the public profile is remembered, never a token or anything else', () => {
  rememberUser({ id: 7, username: 'ann', email: 'ann@example.com', token: 'secret' });
  assert.deepEqual(rememberedUser(), { id: 7, username: 'ann' });
  assert.deepEqual([...items.values()], ['{"id":7,"username":"ann"}']);
});

test('a malformed entry is no user', () => {
  for (const value of ['{', 'null', '{"id":"7","username":"ann"}', '{"id":7}']) {
    items.set('taskflow.offlineUser', value);
    assert.equal(rememberedUser(), null, value);
  }
});

test('forgetting another user leaves the remembered one; forgetting them clears it', async () => {
  rememberUser({ id: 7, username: 'ann' });
  await forgetRememberedUser(8);
  assert.equal(rememberedUser()?.id, 7);
  await forgetRememberedUser(7);
  assert.equal(rememberedUser(), null);
  assert.equal(items.size, 0);
});

test('storage that refuses is not an error', () => {
  const refusing = globalThis.localStorage;
  globalThis.localStorage = { ...refusing, setItem: () => { throw new Error('QuotaExceeded'); } };
  try {
    assert.doesNotThrow(() => rememberUser({ id: 9, username: 'bob' }));
    assert.equal(rememberedUser(), null);
  } finally {
    globalThis.localStorage = refusing;
  }
});
