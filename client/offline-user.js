// The last user signed in on this browser: their public profile only (id, username; never a
// token), so that a tab opened without a network can show what was kept for them. Forgetting
// the user also drops everything offline-db.js keeps for them.
import { forgetUser } from './offline-db.js';

const KEY = 'taskflow.offlineUser';

/** The remembered `{id, username}`, or null. */
export function rememberedUser() {
  try {
    const user = JSON.parse(localStorage.getItem(KEY));
    return Number.isInteger(user?.id) && typeof user.username === 'string' ? user : null;
  } catch {
    return null;
  }
}

/** Remember who is signed in; a different user before them is forgotten with their data. */
export function rememberUser({ id, username }) {
  const previous = rememberedUser();
  if (previous?.id === id && previous.username === username) return;
  try {
    localStorage.setItem(KEY, JSON.stringify({ id, username }));
  } catch {
    return; // storage refused (full, or blocked): no offline opening, the session goes on
  }
  if (previous && previous.id !== id) forgetUser(previous.id).catch(() => {});
}

/** Sign-out or an ended session: nothing of the account stays in this browser. */
export async function forgetRememberedUser(userId = rememberedUser()?.id) {
  try {
    if (rememberedUser()?.id === userId) localStorage.removeItem(KEY);
  } catch {
    // storage blocked: nothing was remembered there
  }
  if (userId != null) await forgetUser(userId);
}

/** `listener()` when another tab forgets the user (signed out there). */
export function onForgotten(listener) {
  const handle = (event) => {
    if (event.key === KEY && event.newValue === null) listener();
  };
  window.addEventListener('storage', handle);
  return () => window.removeEventListener('storage', handle);
}
