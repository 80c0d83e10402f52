// Sign-up, sign-in and sign-out flows on top of the API and the shared in-memory session.
import * as api from './api.js';
import { clearSession, getToken, getUser, saveSession, signOutLater } from './session.js';

export { getUser };

export function isSignedIn() {
  return Boolean(getToken());
}

export async function signIn(username, password) {
  const { access_token: token, expires_in: expiresIn } = await api.createToken(username, password);
  signOutLater(false); // a new session: an older one's pending sign-out no longer applies
  saveSession(token, null, expiresIn);
  try {
    saveSession(token, await api.getMe());
  } catch (error) {
    clearSession();
    throw error;
  }
}

/** Create the account, then sign in with it so the user lands on their boards. */
export async function signUp({ username, email, password }) {
  await api.signUp({ username, email, password });
  await signIn(username, password);
}

/** End this browser's session in every tab, then on the server (the cookie names it). The tabs
 * hear it first: the server's ending closes their sockets (4401), and a tab that saw that close
 * first would report an ended session instead of a sign-out. */
export async function signOut() {
  clearSession();
  try {
    await api.logout();
  } catch (error) {
    // Already ended: the tabs have forgotten it all the same. Offline: the server has not
    // heard, so the refresh cookie's session is ended as soon as it can be (session.js).
    if (error.status === 0) signOutLater();
  }
}

/** End every session of the account (every device), then in every tab here. */
export async function signOutEverywhere() {
  await api.logoutAll();
  clearSession();
}
