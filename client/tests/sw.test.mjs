import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { test } from 'node:test';
import vm from 'node:vm';

const clientDir = new URL('../', import.meta.url);

/** sw.js is a classic worker script: run it with a stand-in `self` and take its names. */
function loadWorker() {
  const source = readFileSync(new URL('sw.js', clientDir), 'utf8');
  const listeners = {};
  const self = { addEventListener: (type, listener) => { listeners[type] = listener; } };
  const context = vm.createContext({ self, URL, Request: class {}, Response: class {} });
  const { SHELL, handles } = vm.runInContext(`${source}\n({ SHELL, handles })`, context);
  return { SHELL: Array.from(SHELL), handles, listeners }; // arrays of this realm
}

test('the precached shell lists every client module, the page and the stylesheet', () => {
  const { SHELL } = loadWorker();
  const modules = readdirSync(clientDir).filter((name) => name.endsWith('.js') && name !== 'sw.js');
  const missing = modules.filter((name) => !SHELL.includes(name));
  assert.deepEqual(missing, [], `add to SHELL in client/sw.js: ${missing.join(', ')}`);
  const gone = SHELL.filter((path) => path !== './' &&
    !readdirSync(clientDir).includes(path));
  assert.deepEqual(gone, [], `SHELL names files that do not exist: ${gone.join(', ')}`);
  for (const path of ['./', 'index.html', 'styles.css']) assert.ok(SHELL.includes(path), path);
});

test('the worker answers GETs of static files and leaves the server its own paths', () => {
  const { handles, listeners } = loadWorker();
  assert.deepEqual(Object.keys(listeners).sort(), ['activate', 'fetch', 'install']);
  const origin = 'https://board.example';
  const get = (path, method = 'GET') => handles({ method, url: `${origin}${path}` }, origin);
  for (const path of ['/', '/index.html', '/app.js', '/styles.css', '/?x=1', '/docsx',
    '/apis.js', '/metrics.js']) {
    assert.equal(get(path), true, path);
  }
  for (const path of ['/api/boards', '/api/auth/refresh', '/ws/boards/1', '/docs', '/docs/x',
    '/redoc', '/openapi.json', '/asyncapi.json', '/metrics', '/healthz', '/readyz']) {
    assert.equal(get(path), false, path);
  }
  assert.equal(get('/app.js', 'POST'), false);
  assert.equal(get('/app.js', 'HEAD'), false);
  assert.equal(handles({ method: 'GET', url: 'https://cdn.example/app.js' }, origin), false);
});
