// Toasts: short, non-blocking messages; errors stay longer and can offer one action.
import { h } from './dom.js';

let region = null;

// A modal dialog makes the rest of the page inert: toasts shown outside it could not be clicked
// ("Undo" after deleting a comment in the card editor). So the region lives in the topmost modal
// dialog while there is one, and goes back to the page before that dialog is removed.
function host() {
  const modals = [...document.querySelectorAll('dialog[open]')].filter((d) => d.matches(':modal'));
  return modals.at(-1) ?? document.body;
}

function show(el) {
  // The top layer: re-showing the popover puts the toasts above any dialog opened since.
  if (!el.showPopover) return;
  if (el.matches(':popover-open')) el.hidePopover();
  el.showPopover();
}

function ensureRegion() {
  if (!region) {
    region = h('div', { class: 'toasts', 'aria-live': 'polite', 'aria-relevant': 'additions',
      popover: 'manual' });
  }
  const target = host();
  if (region.parentElement !== target) target.append(region);
  show(region);
  return region;
}

/** Remove a dialog; toasts it holds move back to the page, still showing. */
export function removeDialog(dialog) {
  if (region && dialog.contains(region)) {
    document.body.append(region);
    show(region);
  }
  dialog.remove();
}

/**
 * Show a toast. `kind`: 'info' | 'success' | 'error' | 'conflict'.
 * `action`: optional {label, run, testid?, shortcut?, title?} for a single button (e.g. "Retry",
 * "Undo"); `shortcut` is its aria-keyshortcuts (the caller handles the keys).
 * Returns a function that closes the toast (its `isShown()` says whether it still shows).
 */
export function toast(message, { kind = 'info', action = null, detail = null, timeout } = {}) {
  const ms = timeout ?? (kind === 'error' || kind === 'conflict' ? 9000 : 4500);
  const close = () => {
    el.classList.add('toast-leaving');
    setTimeout(() => el.remove(), 180);
  };
  const el = h(
    'div',
    { class: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : 'status', testid: 'toast',
      dataset: { kind } },
    h('div', { class: 'toast-body' },
      h('p', { class: 'toast-message' }, message),
      detail ? h('p', { class: 'toast-detail' }, detail) : null),
    action
      ? h('button', { class: 'btn btn-small btn-ghost', type: 'button',
          testid: action.testid ?? 'toast-action', 'aria-keyshortcuts': action.shortcut,
          title: action.title, onclick: () => { close(); action.run(); } }, action.label)
      : null,
    h('button', { class: 'icon-btn toast-close', type: 'button', 'aria-label': 'Dismiss',
      onclick: close }, '×'),
  );
  ensureRegion().append(el);
  let timer = setTimeout(close, ms);
  // Don't vanish while the user is reading or reaching for the button.
  el.addEventListener('pointerenter', () => clearTimeout(timer));
  el.addEventListener('pointerleave', () => { timer = setTimeout(close, 2500); });
  el.addEventListener('focusin', () => clearTimeout(timer));
  close.isShown = () => el.isConnected && !el.classList.contains('toast-leaving');
  return close;
}

export const toastError = (message, options = {}) => toast(message, { kind: 'error', ...options });
