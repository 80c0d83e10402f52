// Ordering rules shared by the store, the board view and drag and drop.
// The server's `position` strings sort by plain code-unit comparison (never localeCompare).

export function comparePositions(a, b) {
  if (a.position < b.position) return -1;
  if (a.position > b.position) return 1;
  return a.id - b.id; // stable tie-break; positions should be unique anyway
}

export function sortByPosition(items) {
  return [...items].sort(comparePositions);
}

/**
 * A string strictly between `lo` and `hi` in code-unit order (`lo` may be '' or null for "no lower
 * bound", `hi` null for "no upper bound"). Only used for optimistic placement until the server's
 * own position arrives, so it need not match the server's key format.
 */
export function between(lo, hi) {
  lo = lo || '';
  if (hi != null && !(lo < hi)) hi = null; // stale neighbours: any place after lo will do
  let prefix = '';
  for (let i = 0; ; i++) {
    const a = i < lo.length ? lo.charCodeAt(i) : -1;
    const b = hi == null ? 0x10000 : i < hi.length ? hi.charCodeAt(i) : -1;
    if (a === b) {
      prefix += lo[i];
      continue;
    }
    if (b - a > 1) return prefix + String.fromCharCode(Math.max(a + 1, Math.floor((a + b) / 2)));
    // hi is lo + '\u0000': nothing fits between. Real positions never contain NUL.
    if (a === -1) return prefix;
    // Adjacent code units: keep lo's unit and go above the rest of lo, unbounded.
    return prefix + lo[i] + between(lo.slice(i + 1), null);
  }
}

/**
 * Neighbours of a drop: the item it lands before (next sibling) and after (previous sibling).
 * `orderedIds` is the target list *without* the moved item; `index` is where it goes.
 */
export function neighboursAt(orderedIds, index) {
  return {
    afterId: index > 0 ? orderedIds[index - 1] : null,
    beforeId: index < orderedIds.length ? orderedIds[index] : null,
  };
}

/**
 * The placement the API gets for a move: one neighbour is enough and stays valid even if our view
 * of the rest of the list is slightly stale. `before_id` when there is a next item, else `after_id`.
 */
export function placementBody({ beforeId, afterId }) {
  if (beforeId != null) return { before_id: beforeId };
  if (afterId != null) return { after_id: afterId };
  return {};
}
