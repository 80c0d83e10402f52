// Entry point: routes between the sign-in, board list and board views, and owns what they share
// (the top bar, the session-expired path).
import { getMe, onUnauthorized } from './api.js';
import { getUser, isSignedIn, signOut } from './auth.js';
import { expire, getToken, onSessionChange, restore, saveSession } from './session.js';
import { accountMenu } from './account-menu.js';
import { avatar } from './avatar.js';
import { h, replace } from './dom.js';
import { closeMenu } from './menu.js';
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

function expireSession() {
  if (isSignedIn()) expire(); // every tab hears 'signed-out' and goes to the sign-in form
}

// Another tab signed in or out, or the server ended the session: every tab follows.
onSessionChange((kind, reason) => {
  if (!started) return;
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

function renderTopbar() {
  const user = getUser();
  if (!isSignedIn() || !user) {
    replace(userSlot);
    return;
  }
  replace(userSlot,
    h('span', { class: 'user-chip', testid: 'current-user' }, avatar(user, { size: 'sm' }),
      h('span', { class: 'user-name' }, user.username)),
    accountMenu(),
    h('button', { type: 'button', class: 'btn btn-ghost btn-small', testid: 'sign-out',
      onclick: () => signOut() }, 'Sign out'));
}

function render() {
  closeMenu({ restoreFocus: false });
  active?.destroy?.();
  active = null;

  if (!started) return;
  const route = currentRoute();
  const publicRoute = route.name === 'signin' || route.name === 'signup';
  if (!isSignedIn() && !publicRoute) {
    if (route.name === 'board') rememberReturn(location.hash.replace(/^#/, ''));
    navigate('/signin');
    return;
  }
  if (isSignedIn() && (publicRoute || route.name === 'default')) {
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
  const context = { me: getUser(), flash, expireSession };
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
restore().finally(() => {
  started = true;
  render();
});
// The shell (page, styles, modules) kept for opening offline; see sw.js. updateViaCache 'none':
// the browser looks for a new sw.js past the HTTP cache (Nginx also serves it no-cache).
navigator.serviceWorker?.register('sw.js', { scope: './', updateViaCache: 'none' })
  .catch(() => {}); // without it the app works as before, only not offline
