// The user menu's sessions: every signed-in device, revoke one, or sign out everywhere.
import * as api from './api.js';
import { signOutEverywhere } from './auth.js';
import { h, replace } from './dom.js';
import { timeAgo } from './format.js';
import { removeDialog, toastError } from './toast.js';

/** The top bar's "Sessions" button; it opens the list in a modal dialog. */
export function accountMenu() {
  return h('button', { type: 'button', class: 'btn btn-ghost btn-small', testid: 'user-menu',
    'aria-haspopup': 'dialog', onclick: () => openSessions() }, 'Sessions');
}

function openSessions() {
  const list = h('ul', { class: 'session-list', testid: 'sessions-list', 'aria-busy': 'true' },
    h('li', { class: 'muted' }, 'Loading…'));
  const everywhere = h('button', { type: 'button', class: 'btn btn-danger',
    testid: 'sign-out-everywhere', onclick: async () => {
      everywhere.disabled = true;
      try {
        await signOutEverywhere();
        dialog.close();
      } catch (error) {
        everywhere.disabled = false;
        toastError('Could not sign out everywhere', { detail: error.message });
      }
    } }, 'Sign out everywhere');
  const dialog = h('dialog', { class: 'dialog', testid: 'sessions-dialog',
    'aria-labelledby': 'sessions-title' },
    h('form', { method: 'dialog', class: 'dialog-body' },
      h('h2', { id: 'sessions-title', class: 'dialog-title' }, 'Signed-in devices'),
      h('p', { class: 'muted' },
        'Each browser or script you signed in with. Signing one out closes its open boards.'),
      list,
      h('div', { class: 'dialog-actions' },
        h('button', { type: 'submit', class: 'btn btn-ghost', testid: 'sessions-close' }, 'Close'),
        everywhere)));
  dialog.addEventListener('close', () => removeDialog(dialog));
  document.body.append(dialog);
  dialog.showModal();

  async function load() {
    let sessions;
    try {
      sessions = await api.listSessions();
    } catch (error) {
      replace(list, h('li', { class: 'muted' }, `Could not load the sessions: ${error.message}`));
      return;
    }
    list.removeAttribute('aria-busy');
    replace(list, sessions.map((session) => h('li', { class: 'session-row',
      testid: `session-${session.id}`, dataset: { current: String(session.current) } },
      h('span', { class: 'session-device' }, session.device,
        session.current ? h('span', { class: 'badge' }, 'this browser') : null),
      h('span', { class: 'muted session-seen', title: session.user_agent },
        `active ${timeAgo(session.last_seen_at)}`),
      session.current ? null : h('button', { type: 'button', class: 'btn btn-ghost btn-small',
        testid: `session-revoke-${session.id}`, onclick: async () => {
          try {
            await api.revokeSession(session.id);
          } catch (error) {
            toastError('Could not sign that device out', { detail: error.message });
          }
          load();
        } }, 'Sign out'))));
  }
  load();
}
