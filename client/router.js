// Hash routing: the server only serves index.html at `/`, so deep links live after the `#`.
const ROUTES = [
  { name: 'signin', pattern: /^\/signin$/ },
  { name: 'signup', pattern: /^\/signup$/ },
  { name: 'boards', pattern: /^\/boards$/ },
  { name: 'board', pattern: /^\/boards\/(\d+)$/, params: ([id]) => ({ id: Number(id) }) },
];

let flash = null;
let returnTo = null;

/** Where to go after sign-in: the board a signed-out visitor asked for. */
export function rememberReturn(path) {
  returnTo = path;
}

export function takeReturn() {
  const path = returnTo || '/boards';
  returnTo = null;
  return path;
}

export function currentRoute() {
  const path = location.hash.replace(/^#/, '') || '/';
  for (const route of ROUTES) {
    const match = route.pattern.exec(path);
    if (match) return { name: route.name, params: route.params ? route.params(match.slice(1)) : {} };
  }
  return { name: 'default', params: {} };
}

/** Go to `path`; `message` is shown once by the next view (e.g. "Board deleted"). */
export function navigate(path, { message = null, kind = 'info', detail = null } = {}) {
  if (message) flash = { message, kind, detail };
  if (location.hash === `#${path}`) {
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  } else {
    location.hash = path;
  }
}

/** The pending one-shot message, if any (cleared once read). */
export function takeFlash() {
  const value = flash;
  flash = null;
  return value;
}

export function onRouteChange(handler) {
  window.addEventListener('hashchange', handler);
}
