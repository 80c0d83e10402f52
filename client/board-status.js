// The board header's live indicators: who is here (presence) and the socket's state.
import { avatar } from './avatar.js';
import { h, replace } from './dom.js';
import { formatAsOf } from './format.js';

const MAX_AVATARS = 5;

export function presenceView(me) {
  const el = h('div', { class: 'presence', testid: 'presence', role: 'group', 'aria-label': 'Online now' });
  const label = (u) => (u.id === me?.id ? `${u.username} (you)` : u.username);

  function update(users) {
    // One avatar per person, however many tabs they have open.
    const unique = [...new Map(users.map((u) => [u.id, u])).values()];
    const shown = unique.slice(0, MAX_AVATARS);
    const hidden = unique.slice(MAX_AVATARS);
    el.setAttribute('aria-label', `Online now: ${unique.map(label).join(', ')}`);
    el.dataset.count = unique.length;
    replace(el,
      shown.map((u) => {
        const item = avatar(u, { title: label(u) });
        item.dataset.testid = `presence-user-${u.id}`;
        return item;
      }),
      hidden.length
        ? h('span', { class: 'avatar avatar-more', title: hidden.map(label).join(', ') }, `+${hidden.length}`)
        : null);
  }
  return { el, update };
}

/** `conn-state` shows exactly connected / reconnecting / offline, in text and data-state. */
export function connectionView({ onRetry }) {
  const text = h('span', { class: 'conn-text' }, 'reconnecting');
  const el = h('span', { class: 'conn', testid: 'conn-state', role: 'status',
    dataset: { state: 'reconnecting' } }, h('span', { class: 'conn-dot', 'aria-hidden': 'true' }), text);
  const retry = h('button', { type: 'button', class: 'btn btn-ghost btn-small', testid: 'conn-retry',
    hidden: true, onclick: onRetry }, 'Retry now');

  function update(state, { retryInMs }) {
    el.dataset.state = state;
    text.textContent = state;
    el.title = state === 'connected' ? 'Live updates are on'
      : retryInMs != null ? `Live updates paused; retrying in ${Math.ceil(retryInMs / 1000)} s`
        : 'Live updates paused';
    // Only worth offering when the next automatic attempt is a while away.
    retry.hidden = state === 'connected' || retryInMs == null || retryInMs < 1500;
  }
  return { el, retry, update };
}

/** `offline-notice`: a board shown from the copy this browser kept, while its socket is not live. */
export function offlineNoticeView() {
  const el = h('p', { class: 'offline-notice', testid: 'offline-notice', role: 'status',
    hidden: true });

  function update(fromCache, state) {
    const shown = Boolean(fromCache) && state !== 'connected';
    el.hidden = !shown;
    el.textContent = shown
      ? `Offline — showing this board as of ${formatAsOf(fromCache.savedAt)}; changes will sync `
        + 'when you are back online.'
      : '';
  }
  return { el, update };
}
