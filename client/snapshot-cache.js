// The last snapshot of each board this browser opened, per user, so that the board opens without
// a network as it was last seen. On the `snapshots` store of offline-db.js. No DOM.
import { SNAPSHOTS, get, getAllBy, write } from './offline-db.js';

/** Keep `snapshot` (BoardStore.toSnapshot()) as the user's copy of the board, as of now. */
export async function saveSnapshot(userId, boardId, snapshot) {
  const record = { userId, boardId: Number(boardId), savedAt: Date.now(), snapshot };
  await write([SNAPSHOTS], (tx) => tx.objectStore(SNAPSHOTS).put(record));
}

/** The kept copy: `{snapshot, savedAt}` (ms since the epoch), or null. */
export async function loadSnapshot(userId, boardId) {
  const record = await get(SNAPSHOTS, [userId, Number(boardId)]);
  return record ? { snapshot: record.snapshot, savedAt: record.savedAt } : null;
}

/** The boards kept for the user, as the board list shows them: `{id, name, role, savedAt}`. */
export async function keptBoards(userId) {
  const records = await getAllBy(SNAPSHOTS, 'user', userId);
  return records.map(({ boardId, savedAt, snapshot }) =>
    ({ id: boardId, name: snapshot.name, role: snapshot.role, savedAt }));
}
