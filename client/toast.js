// Toasts: short, non-blocking messages; errors stay longer and can offer one action.
import { h } from './dom.js';

let region = null;

function ensureRegion() {
  if (!region || !region.isConnected) {
    region = h('div', { class: 'toasts', 'aria-live': 'polite', 'aria-relevant': 'additions',
      popover: 'manual' });
    document.body.append(region);
  }
  // A modal <dialog> lives in the top layer; re-showing the popover puts toasts above it.
  if (region.showPopover) {
    if (region.matches(':popover-open')) region.hidePopover();
    region.showPopover();
  }
  return region;
}

/**
 * Show a toast. `kind`: 'info' | 'success' | 'error' | 'conflict'.
 * `action`: optional {label, run, testid?} for a single button (e.g. "Retry", "Undo").
 * Returns a function that closes the toast.
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
          testid: action.testid ?? 'toast-action', onclick: () => { close(); action.run(); } }, action.label)
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
  return close;
}

export const toastError = (message, options = {}) => toast(message, { kind: 'error', ...options });
