// Entry point: routes between the sign-in, board list and board views, and owns what they share
// (the top bar, the session-expired path).
import { getMe, onUnauthorized } from './api.js';
import { getUser, isSignedIn, signOut } from './auth.js';
import { getToken, saveSession } from './session.js';
import { avatar } from './avatar.js';
import { h, replace } from './dom.js';
import { closeMenu } from './menu.js';
import { currentRoute, navigate, onRouteChange, takeFlash } from './router.js';
import { toast } from './toast.js';
import { authView } from './auth-view.js';
import { boardsView } from './boards-view.js';
import { boardView } from './board-view.js';

const main = document.getElementById('main');
const userSlot = document.getElementById('topbar-user');
let active = null; // the mounted view: {destroy()}
let profileFailed = false;

const SESSION_EXPIRED = 'Your session has ended. Please sign in again.';

function expireSession() {
  const alreadyOut = !isSignedIn();
  signOut();
  if (alreadyOut && currentRoute().name === 'signin') return; // several 401s in flight
  navigate('/signin', { message: SESSION_EXPIRED, kind: 'error' });
}

function renderTopbar() {
  const user = getUser();
  if (!isSignedIn() || !user) {
    replace(userSlot);
    return;
  }
  replace(userSlot,
    h('span', { class: 'user-chip', testid: 'current-user' }, avatar(user, { size: 'sm' }),
      h('span', { class: 'user-name' }, user.username)),
    h('button', { type: 'button', class: 'btn btn-ghost btn-small', testid: 'sign-out',
      onclick: () => {
        signOut();
        navigate('/signin', { message: 'You are signed out.' });
      } }, 'Sign out'));
}

function render() {
  closeMenu({ restoreFocus: false });
  active?.destroy?.();
  active = null;

  const route = currentRoute();
  const publicRoute = route.name === 'signin' || route.name === 'signup';
  if (!isSignedIn() && !publicRoute) {
    navigate('/signin');
    return;
  }
  if (isSignedIn() && (publicRoute || route.name === 'default')) {
    navigate('/boards');
    return;
  }
  if (isSignedIn() && !getUser() && !profileFailed) {
    // A token without a profile (e.g. set by a test or an older tab): fetch who we are first.
    getMe().then((user) => saveSession(getToken(), user), (error) => {
      profileFailed = error.status !== 401; // 401 already went to sign-in
    }).then(() => {
      if (isSignedIn()) render();
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
render();
