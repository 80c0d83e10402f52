// What the outbox's entries mean, without storage or network: how a queued change shows on the
// board, which WebSocket command replays it, and how the server's answer settles it. No DOM, no
// IndexedDB: unit-tested with node (client/tests/outbox.test.mjs).
//
// An entry is one change the user made while the board's socket was down:
//   {key, order, type, data, base, tempId?, restKey?, state: 'queued'|'conflict', theirs?}
// `type` is the WebSocket command that replays it (task.create, task.update, task.delete,
// column.update); `data` its data without the precondition; `base` what it was made against
// ({version} for a task, {name} for a column), or {chained: true} when it follows an earlier
// queued change of the same task (its version is the one that change will produce).

/** The task or column an entry changes: ['task'|'column', id] (a temp id for a queued create). */
export function target(entry) {
  if (entry.type === 'task.create') return ['task', entry.tempId];
  return [entry.type.startsWith('column.') ? 'column' : 'task', entry.data.id];
}

/** The fields a task.update shows at once (`show`: a move's display position included). */
function shownFields(entry) {
  const { id, before_id: _before, after_id: _after, ...fields } = entry.data;
  return { ...fields, ...(entry.show ?? {}) };
}

/**
 * Lay the entries over a draft of the board, in order: a queued change shows as made, marked
 * `sync: 'pending'` (or 'deleting'); one in conflict shows the server's value with
 * `sync: 'conflict'` and `conflict: {key, type, mine, theirs}` for the card to offer a choice.
 */
export function applyEntries(draft, entries) {
  for (const entry of entries) {
    const [kind, id] = target(entry);
    const items = kind === 'task' ? draft.tasks : draft.columns;
    if (entry.state === 'conflict') {
      const current = items.get(id);
      if (current) {
        items.set(id, { ...current, sync: 'conflict',
          conflict: { key: entry.key, type: entry.type, mine: mineOf(entry), theirs: entry.theirs,
            was: entry.was ?? null } });
      }
      continue;
    }
    switch (entry.type) {
      case 'task.create':
        items.set(id, { ...entry.show, ...entry.data, id, sync: 'pending', pending: true });
        break;
      case 'task.update':
      case 'column.update': {
        const current = items.get(id);
        const change = entry.type === 'column.update'
          ? { name: entry.data.name } : shownFields(entry);
        if (current && current.sync !== 'conflict') {
          const sync = current.sync === 'deleting' ? 'deleting' : 'pending';
          items.set(id, { ...current, ...change, sync });
        }
        break;
      }
      case 'task.delete': {
        const current = items.get(id);
        if (current && current.sync !== 'conflict') items.set(id, { ...current, sync: 'deleting' });
        break;
      }
      default:
        break;
    }
  }
}

/** What the user wanted, for the conflict's "yours" side. */
export function mineOf(entry) {
  if (entry.type === 'task.delete') return { deleted: true };
  if (entry.type === 'column.update') return { name: entry.data.name };
  return shownFields(entry);
}

/**
 * The command frame that replays `entry`, or null while it must wait (it follows a change of the
 * same task that has not been confirmed yet, or it is in conflict).
 */
export function frameFor(entry) {
  if (entry.state !== 'queued' || entry.base?.chained) return null;
  switch (entry.type) {
    case 'task.create': // restKey: first tried over REST with that Idempotency-Key (see board-view)
      return { type: entry.type, ref: entry.key, data: entry.data,
        ...(entry.restKey ? { restKey: entry.restKey } : {}) };
    case 'task.update':
    case 'task.delete': {
      const version = entry.base?.version;
      return { type: entry.type, ref: entry.key,
        data: { ...entry.data, ...(version != null ? { version } : {}) } };
    }
    case 'column.update': {
      const name = entry.base?.name;
      return { type: entry.type, ref: entry.key,
        data: { ...entry.data, ...(name != null ? { expected_name: name } : {}) } };
    }
    default:
      return null;
  }
}

/**
 * The server answered a conflict, yet the current value already is what the entry wanted: the
 * entry was applied by an earlier send whose answer was lost (and whose `ref` the server has
 * forgotten since). Settled, not a conflict.
 */
export function alreadyApplied(entry, current) {
  if (!current) return false;
  if (entry.type === 'column.update') return current.name === entry.data.name;
  if (entry.type !== 'task.update') return false;
  const { id, before_id: beforeId, after_id: afterId, ...fields } = entry.data;
  if (beforeId != null || afterId != null) return false; // a place among others: not comparable
  return Object.entries(fields).every(([key, value]) => same(current[key], value));
}

/** Two field values alike: missing is null, and label ids in any order are the same set. */
export function same(a, b) {
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && [...a].sort().join(',') === [...b].sort().join(',');
  }
  return (a ?? null) === (b ?? null);
}

/**
 * After `settled` was confirmed with `result` (the created task, or the task as the change left
 * it): the entries after it that depended on it, rewritten. A queued create's temp id becomes the
 * real id (as target and as a move's neighbour); a change chained to it gets the new version.
 * Returns the entries that changed.
 */
export function afterConfirmed(entries, settled, result) {
  const changed = [];
  const [kind, id] = target(settled);
  for (const entry of entries) {
    if (entry.key === settled.key) continue;
    let next = entry;
    if (settled.type === 'task.create' && result?.id != null) {
      next = replaceId(next, id, result.id);
    }
    if (kind === 'task' && settled.type !== 'task.delete' && result?.version != null) {
      const [entryKind, entryId] = target(next);
      if (entryKind === 'task' && entryId === (result.id ?? id) && next.base?.chained) {
        next = { ...next, base: { version: result.version } };
      }
    }
    if (next !== entry) changed.push(next);
  }
  return changed;
}

function replaceId(entry, from, to) {
  const data = { ...entry.data };
  let touched = false;
  for (const key of ['id', 'before_id', 'after_id']) {
    if (data[key] === from) {
      data[key] = to;
      touched = true;
    }
  }
  return touched ? { ...entry, data } : entry;
}

/**
 * After the user chose "take theirs" for `dropped`: the changes chained to it now stand on a
 * version the server has moved past, so they are replayed against the version they were made on
 * and meet the same conflict, to be decided one by one (never silently applied over theirs).
 */
export function afterDropped(entries, dropped) {
  const [kind, id] = target(dropped);
  const changed = [];
  for (const entry of entries) {
    if (entry.key === dropped.key) continue;
    const [entryKind, entryId] = target(entry);
    if (entryKind === kind && entryId === id && entry.base?.chained) {
      changed.push({ ...entry, base: { version: dropped.base?.version ?? null } });
    }
  }
  return changed;
}

const PLACEMENT = ['column_id', 'before_id', 'after_id'];

/**
 * A further edit of a card whose last queued change is an edit not sent yet: one entry with both
 * (the later fields win; a new place replaces the old one), so the card has one change to
 * replay and, if it meets a conflict, one decision showing what the user last saw. Returns the
 * merged entry (a new key: it is a new command), or null when `change` must queue on its own.
 */
export function coalesce(last, change) {
  if (change.type !== 'task.update' || last?.type !== 'task.update' || last.state !== 'queued') {
    return null;
  }
  const moves = PLACEMENT.some((key) => key in change.data);
  const earlier = Object.fromEntries(Object.entries(last.data)
    .filter(([key]) => !(moves && PLACEMENT.includes(key))));
  return { ...last, data: { ...earlier, ...change.data }, show: { ...last.show, ...change.show },
    label: change.label ?? last.label };
}

/** Plain words for a queued change, for the header's count and the screen reader. */
export function describe(entry) {
  const title = entry.label ?? '';
  switch (entry.type) {
    case 'task.create': return `add “${title}”`;
    case 'task.delete': return `delete “${title}”`;
    case 'column.update': return `rename column “${entry.base?.name ?? title}”`;
    default: return 'column_id' in entry.data ? `move “${title}”` : `edit “${title}”`;
  }
}
