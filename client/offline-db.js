// The browser's offline store (IndexedDB): the outbox of changes not yet confirmed by the server,
// and the last snapshot of each board opened. Everything is keyed by the signed-in user's id, so a
// second account in the same browser never sees the first one's cards or queued edits. No DOM.
const DB_NAME = 'taskflow-offline';
const DB_VERSION = 1;
export const OUTBOX = 'outbox'; // {key, userId, boardId, order, type, data, ...}: see outbox.js
export const SNAPSHOTS = 'snapshots'; // {userId, boardId, savedAt, snapshot}

let opening = null;

/** The database, opened once per page; null where IndexedDB is missing (then nothing persists). */
export function openDb() {
  if (typeof indexedDB === 'undefined') return Promise.resolve(null);
  opening ??= new Promise((resolve) => {
    const request = indexedDB.open(DB_NAME, DB_VERSION);
    request.onupgradeneeded = () => {
      const db = request.result;
      const outbox = db.createObjectStore(OUTBOX, { keyPath: 'key' });
      outbox.createIndex('board', ['userId', 'boardId']);
      outbox.createIndex('user', 'userId');
      db.createObjectStore(SNAPSHOTS, { keyPath: ['userId', 'boardId'] })
        .createIndex('user', 'userId');
    };
    request.onsuccess = () => {
      const db = request.result;
      db.onversionchange = () => db.close(); // a newer page upgrades: let it
      resolve(db);
    };
    // Private modes and full disks refuse: the app still works, only without persistence.
    request.onerror = () => resolve(null);
    request.onblocked = () => resolve(null);
  });
  return opening;
}

function done(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function committed(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('transaction aborted'));
  });
}

/** One read-write transaction on `stores`: `work(tx)` queues requests; resolves when committed. */
export async function write(stores, work) {
  const db = await openDb();
  if (!db) return;
  const tx = db.transaction(stores, 'readwrite');
  const finished = committed(tx);
  work(tx);
  await finished;
}

export async function get(store, key) {
  const db = await openDb();
  if (!db) return undefined;
  return done(db.transaction(store).objectStore(store).get(key));
}

/** Every record of `store` whose `index` equals `value`. */
export async function getAllBy(store, index, value) {
  const db = await openDb();
  if (!db) return [];
  return done(db.transaction(store).objectStore(store).index(index).getAll(value));
}

/** Drop everything kept for a user (sign-out): snapshots and queued changes alike. */
export async function forgetUser(userId) {
  const db = await openDb();
  if (!db) return;
  const tx = db.transaction([OUTBOX, SNAPSHOTS], 'readwrite');
  const finished = committed(tx);
  for (const store of [OUTBOX, SNAPSHOTS]) {
    const index = tx.objectStore(store).index('user');
    index.openKeyCursor(IDBKeyRange.only(userId)).onsuccess = (event) => {
      const cursor = event.target.result;
      if (!cursor) return;
      tx.objectStore(store).delete(cursor.primaryKey);
      cursor.continue();
    };
  }
  await finished;
}
