// Entry point: routes between the sign-in, board list and board views, and owns what they share
// (the top bar, the session-expired path).
import { getMe, onUnauthorized } from './api.js';
import { getUser, isSignedIn, signOut } from './auth.js';
import { expire, getToken, onSessionChange, restore, saveSession } from './session.js';
import { accountMenu } from './account-menu.js';
import { avatar } from './avatar.js';
import { h, replace } from './dom.js';
import { confirmDialog } from './dialogs.js';
import { closeMenu } from './menu.js';
import { waitingByBoard } from './outbox.js';
import { forgetRememberedUser, onForgotten, rememberedUser } from './offline-user.js';
import {
  currentRoute, navigate, onRouteChange, rememberReturn, takeFlash, takeReturn,
} from './router.js';
import { toast } from './toast.js';
import { authView } from './auth-view.js';
import { boardsView } from './boards-view.js';
import { boardView } from './board-view.js';

const main = document.getElementById('main');
const userSlot = document.getElementById('topbar-user');
let active = null; // the mounted view: {destroy()}
let profileFailed = false;

const SESSION_EXPIRED = 'Your session has ended. Please sign in again.';

const SIGNED_OUT = 'You are signed out.';
let started = false; // the session is restored (from another tab or the cookie) before routing
// The remembered user while this tab has no session because the server could not be reached when
// it opened: the board list and the boards kept in this browser are shown, marked offline.
let offlineUser = null;

function expireSession() {
  if (isSignedIn()) expire(); // every tab hears 'signed-out' and goes to the sign-in form
  else if (offlineUser) endOffline({ message: SESSION_EXPIRED, kind: 'error' });
}

/** Back online: the refresh cookie says whether the session still stands. */
async function reconnectOffline() {
  if (!offlineUser) return;
  const result = await restore(); // a token arriving ends the offline mode (onSessionChange)
  if (result === false && offlineUser) endOffline({ message: SESSION_EXPIRED, kind: 'error' });
}

/** A session again (refresh cookie, another tab, the board socket's renewal): carry on live. The
 * open board keeps its view; its socket renews on its own. */
async function leaveOffline() {
  const was = offlineUser;
  offlineUser = null;
  if (!getUser()) {
    try {
      saveSession(getToken(), await getMe());
    } catch {
      // render() asks again; a 401 has gone to the sign-in form
    }
  }
  if (currentRoute().name === 'board' && getUser()?.id === was.id) renderTopbar();
  else render();
}

/** The offline mode ends without a session (refused, or signed out): nothing of it stays here. */
function endOffline(flash) {
  const { id } = offlineUser;
  offlineUser = null;
  forgetRememberedUser(id).catch(() => {});
  if (currentRoute().name === 'board') rememberReturn(location.hash.replace(/^#/, ''));
  navigate('/signin', flash);
}

// Another tab signed in or out, or the server ended the session: every tab follows.
onSessionChange((kind, reason) => {
  if (!started) return;
  if (kind === 'token' && offlineUser) {
    leaveOffline();
    return;
  }
  const route = currentRoute().name;
  if (kind === 'signed-out') {
    if (route === 'board') rememberReturn(location.hash.replace(/^#/, ''));
    const flash = reason === 'expired'
      ? { message: SESSION_EXPIRED, kind: 'error' }
      : { message: SIGNED_OUT };
    navigate('/signin', flash);
  } else if ((route === 'signin' || route === 'signup') && getUser()) {
    navigate(takeReturn()); // signed in here or in another tab: on to the board asked for
  } else if (kind === 'user') {
    renderTopbar();
  }
});

/** Signing out forgets the changes made offline that wait to be sent: only if the user says so. */
async function discardWaitingChanges(user) {
  const counts = await waitingByBoard(user.id).catch(() => new Map());
  const waiting = [...counts.values()].reduce((sum, n) => sum + n, 0);
  if (waiting === 0) return true;
  return confirmDialog({
    title: 'Sign out and discard unsynced changes?',
    message: `${waiting} change${waiting === 1 ? '' : 's'} made offline ${waiting === 1 ? 'has' : 'have'}`
      + ' not reached the server yet. Signing out discards them; open the board online to send them.',
    confirmLabel: 'Sign out and discard', danger: true, testid: 'sign-out-discard-dialog',
  });
}

function renderTopbar() {
  const user = offlineUser ?? getUser();
  if (!(isSignedIn() || offlineUser) || !user) {
    replace(userSlot);
    return;
  }
  const signOutHere = async () => {
    if (!(await discardWaitingChanges(user))) return;
    if (offlineUser) endOffline({ message: SIGNED_OUT });
    signOut(); // the server hears it if it can be reached
  };
  replace(userSlot,
    h('span', { class: 'user-chip', testid: 'current-user' }, avatar(user, { size: 'sm' }),
      h('span', { class: 'user-name' }, user.username)),
    offlineUser ? null : accountMenu(), // the session list needs the server
    h('button', { type: 'button', class: 'btn btn-ghost btn-small', testid: 'sign-out',
      onclick: signOutHere }, 'Sign out'));
}

function render() {
  closeMenu({ restoreFocus: false });
  active?.destroy?.();
  active = null;

  if (!started) return;
  const route = currentRoute();
  const publicRoute = route.name === 'signin' || route.name === 'signup';
  const present = isSignedIn() || offlineUser !== null;
  if (!present && !publicRoute) {
    if (route.name === 'board') rememberReturn(location.hash.replace(/^#/, ''));
    navigate('/signin');
    return;
  }
  if (present && (publicRoute || route.name === 'default')) {
    navigate(publicRoute ? takeReturn() : '/boards');
    return;
  }
  if (isSignedIn() && !getUser() && !profileFailed) {
    // A token without a profile (e.g. set by a test or an older tab): fetch who we are first.
    getMe().then((user) => saveSession(getToken(), user), (error) => {
      profileFailed = error.status !== 401; // 401 already went to sign-in
    }).then(() => {
      if (isSignedIn()) restore().finally(() => {
  started = true;
  render();
});
    });
    return;
  }
  renderTopbar();
  document.body.dataset.route = route.name;
  const flash = takeFlash();
  const context = { me: offlineUser ?? getUser(), offline: offlineUser !== null, flash,
    expireSession };
  switch (route.name) {
    case 'signin':
    case 'signup':
      active = authView(main, route.name, context);
      break;
    case 'boards':
      active = boardsView(main, context);
      break;
    case 'board':
      active = boardView(main, route.params.id, context);
      break;
    default:
      navigate('/boards');
      return;
  }
  if (flash && !publicRoute) toast(flash.message, { kind: flash.kind, detail: flash.detail });
}

onUnauthorized(expireSession);
onRouteChange(render);
document.querySelector('[data-skip-link]').addEventListener('click', (event) => {
  event.preventDefault(); // the hash belongs to the router
  main.focus();
});
window.addEventListener('online', reconnectOffline);
onForgotten(() => { // signed out in another tab
  if (offlineUser) endOffline({ message: SIGNED_OUT });
});
restore().then((result) => {
  // The server could not be asked (not a refusal): open offline for the last user, if any.
  if (result === null) offlineUser = rememberedUser();
}, () => {}).finally(() => {
  started = true;
  render();
});
// The shell (page, styles, modules) kept for opening offline; see sw.js. updateViaCache 'none':
// the browser looks for a new sw.js past the HTTP cache (Nginx also serves it no-cache).
navigator.serviceWorker?.register('sw.js', { scope: './', updateViaCache: 'none' })
  .catch(() => {}); // without it the app works as before, only not offline
