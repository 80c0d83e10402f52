// The service worker: keeps the app shell (index.html, styles.css, every module) so that the app
// opens without a network. Network first, so a deploy is picked up at once when online; the cache
// answers only when the network does not. Board data is not its business (the API is never
// cached here): board-session.js keeps each opened board's snapshot in IndexedDB.
//
// A classic script (not a module): module service workers are not in every browser yet.
// Registered by app.js with updateViaCache: 'none', and Nginx serves it `no-cache`, so the
// browser always asks the server for a new version of this file.

// Bump to drop every copy kept by older versions (activate deletes the other taskflow-shell-*).
const CACHE = 'taskflow-shell-v1';
const CACHE_PREFIX = 'taskflow-shell-';

// Every file of client/ but this one and the tests (client/tests/sw.test.mjs checks the list).
const SHELL = [
  './', 'index.html', 'styles.css',
  'account-menu.js', 'activity-panel.js', 'add-column.js', 'api.js', 'app.js', 'auth-view.js',
  'auth.js', 'avatar.js', 'board-actions.js', 'board-intents.js', 'board-keys.js',
  'board-menus.js', 'board-session.js', 'board-status.js', 'board-view.js', 'boards-view.js',
  'card-editor.js', 'card-view.js', 'checklist-view.js', 'column-view.js', 'comments-view.js',
  'deleted-boards.js', 'details.js', 'dialogs.js', 'dnd.js', 'dom.js', 'filter-bar.js',
  'filter.js', 'format.js', 'inline-edit.js', 'label-picker.js', 'labels-dialog.js',
  'labels.js', 'live.js', 'members-panel.js', 'menu.js', 'moves.js', 'offline-db.js',
  'offline-user.js', 'order.js', 'outbox-plan.js', 'outbox-status.js', 'outbox.js',
  'remote-announcer.js', 'router.js', 'session.js', 'snapshot-cache.js', 'store.js',
  'sync-view.js', 'toast.js', 'trash-panel.js', 'undo-plan.js', 'undo.js',
];

// The server's own paths: live data, documents and probes that must always come from it.
const SERVER_PATHS =
  /^\/(api|ws)\/|^\/(docs|redoc)(\/|$)|^\/(openapi\.json|asyncapi\.json|metrics|healthz|readyz)$/;

/** Whether the worker answers `request` (a static file of the client) or leaves it alone. */
function handles(request, origin) {
  if (request.method !== 'GET') return false;
  const url = new URL(request.url);
  return url.origin === origin && !SERVER_PATHS.test(url.pathname);
}

// `no-cache`: the browser's HTTP cache may revalidate but never answer alone, or "network first"
// could still serve yesterday's module after a deploy.
const fresh = (request) => new Request(request, { cache: 'no-cache' });

async function networkFirst(event) {
  const { request } = event;
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(fresh(request));
    if (response.ok && response.type === 'basic') {
      event.waitUntil(cache.put(request, response.clone()));
    }
    return response;
  } catch {
    const kept = await cache.match(request, { ignoreSearch: request.mode === 'navigate' }) ??
      (request.mode === 'navigate' ? await cache.match('./') : undefined);
    return kept ?? Response.error();
  }
}

self.addEventListener('install', (event) => {
  // The whole shell at once, and in charge at once (skipWaiting, then clients.claim): the very
  // first visit is already covered.
  event.waitUntil(caches.open(CACHE)
    .then((cache) => cache.addAll(SHELL.map(fresh)))
    .then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names
      .filter((name) => name.startsWith(CACHE_PREFIX) && name !== CACHE)
      .map((name) => caches.delete(name))))
    .then(() => self.clients.claim()));
});

self.addEventListener('fetch', (event) => {
  if (handles(event.request, self.location.origin)) event.respondWith(networkFirst(event));
});
