// Sign-up, sign-in and sign-out flows on top of the API and the session storage.
import * as api from './api.js';
import { clearSession, getToken, getUser, saveSession } from './session.js';

export { getUser };

export function isSignedIn() {
  return Boolean(getToken());
}

export async function signIn(username, password) {
  const { access_token: token } = await api.createToken(username, password);
  saveSession(token, null);
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

export function signOut() {
  clearSession();
}
