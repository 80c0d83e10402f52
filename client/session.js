// The signed-in session of this browser, shared by every tab.
//
// The access token lives in memory only (never in localStorage or sessionStorage, where any
// script of the page could find it later). A tab that opens gets it from another tab through a
// BroadcastChannel, or from the server with the refresh cookie (HttpOnly: no script reads it).
// One tab refreshes ahead of expiry for all of them (a Web Lock), and tells the others; a sign-out
// in any tab reaches every tab. The signed-in user's public profile is remembered (offline-user.js)
// so that a tab opened offline can show what was kept; a sign-out or expiry forgets it.
import { forgetRememberedUser, rememberUser } from './offline-user.js';

const CHANNEL = 'taskflow.session';
const REFRESH_LOCK = 'taskflow.refresh';
const ASK_TIMEOUT_MS = 150;

let token = null;
let user = null;
let expiresAt = 0; // ms since the epoch
let lifetimeMs = 0;
let refreshTimer = null;
const listeners = new Set();
const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(CHANNEL) : null;

export function getToken() {
  return token;
}

export function getUser() {
  return user;
}

/** `listener(kind, reason)` on every change: 'token' (a fresh token), 'user', 'signed-out'
 * (`reason`: 'signed-out' when a tab signed out, 'expired' when the server ended the session). */
export function onSessionChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function emit(kind, reason = null) {
  for (const listener of [...listeners]) listener(kind, reason);
}

function adopt(next, { announce }) {
  const changed = next.token !== token;
  token = next.token;
  user = next.user ?? user;
  if (user) rememberUser(user);
  expiresAt = next.expiresAt;
  lifetimeMs = next.lifetimeMs ?? lifetimeMs;
  scheduleRefresh();
  if (announce) channel?.postMessage({ type: 'token', token, user, expiresAt, lifetimeMs });
  emit(changed ? 'token' : 'user');
}

/** Use this token (from sign-in or refresh) here and in every other tab. */
export function saveSession(nextToken, nextUser, expiresInSeconds) {
  const next = expiresInSeconds == null
    ? { expiresAt, lifetimeMs } // the same token, now with its user
    : { expiresAt: Date.now() + expiresInSeconds * 1000, lifetimeMs: expiresInSeconds * 1000 };
  adopt({ token: nextToken, user: nextUser, ...next }, { announce: true });
}

/** Forget the session here and in every other tab (the server side is the caller's job). */
export function clearSession({ announce = true, reason = 'signed-out' } = {}) {
  const wasSignedIn = token !== null;
  if (user) forgetRememberedUser(user.id).catch(() => {});
  token = null;
  user = null;
  expiresAt = 0;
  lifetimeMs = 0;
  clearTimeout(refreshTimer);
  if (announce) channel?.postMessage({ type: 'signed-out', reason });
  if (wasSignedIn) emit('signed-out', reason);
}

channel?.addEventListener('message', ({ data }) => {
  if (data?.type === 'token' && data.token) {
    if (data.token !== token || (data.user && !user)) adopt(data, { announce: false });
  } else if (data?.type === 'signed-out') {
    if (token !== null) clearSession({ announce: false, reason: data.reason });
  } else if (data?.type === 'ask' && token) {
    channel.postMessage({ type: 'token', token, user, expiresAt, lifetimeMs });
  }
});

// Refresh

/** Exchange the refresh cookie for a fresh access token; false when there is no session. */
async function refreshNow() {
  let response;
  try {
    response = await fetch('/api/auth/refresh', {
      method: 'POST', headers: { Accept: 'application/json' }, credentials: 'same-origin' });
  } catch {
    return null; // network: try again later, the session may well be alive
  }
  if (!response.ok) return response.status === 401 ? false : null;
  const body = await response.json();
  adopt({ token: body.access_token, user, expiresAt: Date.now() + body.expires_in * 1000,
    lifetimeMs: body.expires_in * 1000 }, { announce: true });
  return true;
}

/** One refresh at a time across the tabs; a tab that waited finds a fresh token and stops. */
async function refreshShared(stillNeeded) {
  if (!navigator.locks) return refreshNow();
  return navigator.locks.request(REFRESH_LOCK, async () => {
    if (!stillNeeded()) return true;
    return refreshNow();
  });
}

/** Every tab plans the same moment (a third of the lifetime ahead of expiry, at most a
 * minute); the first to take the lock refreshes, the others find it taken and wait for its
 * token to arrive on the channel. */
function scheduleRefresh() {
  clearTimeout(refreshTimer);
  if (!token) return;
  const margin = Math.min(60_000, Math.max(1_000, lifetimeMs / 3));
  const due = expiresAt;
  refreshTimer = setTimeout(() => refreshAhead(due), Math.max(0, due - margin - Date.now()));
}

async function refreshAhead(due) {
  if (expiresAt !== due) return;
  let result;
  if (navigator.locks) {
    result = await navigator.locks.request(REFRESH_LOCK, { ifAvailable: true }, (lock) => {
      if (!lock) return 'busy'; // another tab is refreshing for everyone
      return expiresAt === due ? refreshNow() : true;
    });
  } else {
    result = await refreshNow();
  }
  if (result === false) expire();
  else if (result === 'busy' || result === null) {
    // Check again soon: a tab that was refreshing may have been closed half-way.
    refreshTimer = setTimeout(() => refreshAhead(due), result === 'busy' ? 500 : 2_000);
  }
}

/** The server ended the session (refresh refused, a 401 that a refresh cannot mend). */
export function expire() {
  clearSession({ reason: 'expired' });
  // Drop the dead refresh cookie, so that no later tab presents it again.
  fetch('/api/auth/logout', { method: 'POST', credentials: 'same-origin' }).catch(() => {});
}

/** A fresh token now (after a 401 or a 4401): true if the session still stands, false if it
 * has ended, null if the server could not be asked (offline, throttled: try again later). */
export async function renew() {
  const stale = token;
  return refreshShared(() => token === stale);
}

// A sign-out the server could not hear (offline): its refresh cookie still names a live session,
// so it is ended on the server before anything else, at the next load or when the network is back.
const SIGN_OUT_PENDING = 'taskflow.signOutPending';

function signOutPending() {
  try {
    return localStorage.getItem(SIGN_OUT_PENDING) !== null;
  } catch {
    return false;
  }
}

/** Remember to end the session on the server (`logout` could not reach it). */
export function signOutLater(pending = true) {
  try {
    if (pending) localStorage.setItem(SIGN_OUT_PENDING, '1');
    else localStorage.removeItem(SIGN_OUT_PENDING);
  } catch {
    // storage refused: the cookie's session then ends only when it expires or from Sessions
  }
}

/** End on the server a sign-out made offline; true once done (or nothing was pending). */
export async function finishSignOut() {
  if (!signOutPending()) return true;
  try {
    await fetch('/api/auth/logout', { method: 'POST', credentials: 'same-origin' });
  } catch {
    return false; // still offline
  }
  signOutLater(false);
  return true;
}

globalThis.addEventListener?.('online', () => {
  if (token === null) finishSignOut();
});

/** On load: take the session from another tab, else from the refresh cookie. True if signed in,
 * false if there is no session (none, or the server refused it), null if the server could not be
 * asked (offline). */
export async function restore() {
  // Signed out here while offline: that session must not come back through its cookie.
  if (signOutPending() && token === null) return (await finishSignOut()) ? false : null;
  if (channel) {
    const answered = new Promise((resolve) => {
      const stop = onSessionChange(() => {
        stop();
        resolve(true);
      });
      setTimeout(() => {
        stop();
        resolve(false);
      }, ASK_TIMEOUT_MS);
    });
    channel.postMessage({ type: 'ask' });
    if (await answered) return token !== null;
  }
  const result = await refreshShared(() => token === null);
  return result === true ? token !== null : result;
}
