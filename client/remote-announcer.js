// What other people change on the board, told to screen readers through a polite live region:
// "bob moved “Launch plan” to Done." A burst (a script, a bulk move) is summed up once it has
// gone quiet, "bob made 10 changes.", instead of reading out every event. No DOM: `announce`
// writes the text (board-view.js gives it the page's aria-live="polite" region).

const QUIET_MS = 1500; // a burst ends after this long without a remote change
const MAX_WAIT_MS = 6000; // and is told after this long at most, even if it goes on

const quoted = (text) => `“${text}”`;

/**
 * One sentence for a remote event, or null for what is not worth saying on its own (position
 * rebalancing, unknown kinds). `before`: the task or column as it was before the event.
 */
export function describeEvent(event, before, store) {
  const who = event.actor?.username ?? 'Someone';
  const data = event.data ?? {};
  const columnName = (id) => store.columns.get(id)?.name ?? 'another column';
  switch (event.name) {
    case 'task.created':
      return `${who} added ${quoted(data.title)}.`;
    case 'task.deleted':
      return `${who} deleted ${before ? quoted(before.title) : 'a card'}.`;
    case 'task.updated':
      if (before && before.column_id !== data.column_id) {
        return `${who} moved ${quoted(data.title)} to ${columnName(data.column_id)}.`;
      }
      if (before && before.position !== data.position && before.title === data.title) {
        return `${who} moved ${quoted(data.title)} within ${columnName(data.column_id)}.`;
      }
      return `${who} edited ${quoted(data.title)}.`;
    case 'column.created':
      return `${who} added the column ${data.name}.`;
    case 'column.updated':
      if (before && before.name !== data.name) {
        return `${who} renamed the column ${before.name} to ${data.name}.`;
      }
      if (before && before.position !== data.position) return `${who} moved the column ${data.name}.`;
      return `${who} changed the column ${data.name}.`;
    case 'column.deleted':
      return `${who} deleted the column ${before?.name ?? ''}`.trimEnd() + '.';
    case 'board.updated':
      return data.name ? `${who} renamed the board to ${data.name}.` : null;
    case 'member.added':
      return `${who} added ${data.username ?? 'a member'} to the board.`;
    case 'member.removed':
      return `${who} removed ${data.username ?? 'a member'} from the board.`;
    default:
      return null;
  }
}

/** One announcement for a burst: its sentence when it is one change, else a count per person. */
export function summarize(changes) {
  if (changes.length === 1) return changes[0].text;
  const byWho = new Map();
  for (const { who } of changes) byWho.set(who, (byWho.get(who) ?? 0) + 1);
  return [...byWho].map(([who, count]) =>
    (count === 1 ? `${who} made a change.` : `${who} made ${count} changes.`)).join(' ');
}

/**
 * Announce the remote events `store` applies (not the user's own, from this tab or another).
 * Returns a function that stops listening and drops what is not told yet.
 */
export function announceRemoteChanges(store, me, announce,
  { quietMs = QUIET_MS, maxWaitMs = MAX_WAIT_MS, clock = globalThis } = {}) {
  let pending = [];
  let quietTimer = null;
  let maxTimer = null;

  function flush() {
    clock.clearTimeout(quietTimer);
    clock.clearTimeout(maxTimer);
    quietTimer = maxTimer = null;
    if (!pending.length) return;
    const text = summarize(pending);
    pending = [];
    announce(text);
  }

  const unsubscribe = store.subscribe((change) => {
    if (change.type !== 'event') return;
    const { event, before } = change;
    if (event.actor?.id != null && event.actor.id === me?.id) return;
    const text = describeEvent(event, before, store);
    if (!text) return;
    pending.push({ who: event.actor?.username ?? 'Someone', text });
    clock.clearTimeout(quietTimer);
    quietTimer = clock.setTimeout(flush, quietMs);
    if (!maxTimer) maxTimer = clock.setTimeout(flush, maxWaitMs);
  });

  return () => {
    unsubscribe();
    clock.clearTimeout(quietTimer);
    clock.clearTimeout(maxTimer);
    pending = [];
  };
}
