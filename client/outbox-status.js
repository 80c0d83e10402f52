// The board header's count of changes made offline and not yet on the server.
import { h } from './dom.js';

export function outboxStatus() {
  const el = h('span', { class: 'outbox-status', testid: 'outbox-status', role: 'status',
    hidden: true });

  function update(entries) {
    const conflicts = entries.filter((e) => e.state === 'conflict').length;
    const waiting = entries.length - conflicts;
    const parts = [];
    if (waiting) parts.push(`${waiting} change${waiting === 1 ? '' : 's'} waiting to sync`);
    if (conflicts) parts.push(`${conflicts} conflict${conflicts === 1 ? '' : 's'} to resolve`);
    el.hidden = parts.length === 0;
    el.textContent = parts.join(', ');
    el.dataset.waiting = String(waiting);
    el.dataset.conflicts = String(conflicts);
  }
  return { el, update };
}
