// A small popup menu (role="menu") with arrow-key navigation; focus returns to its button.
import { h } from './dom.js';

let openMenu = null;

// The landmark a menu goes in: its button's, so that no content sits outside every landmark
// (axe `region`). Top-level ones only: the menu is `position: fixed` and needs no nearer parent.
const LANDMARKS = 'main, [role="main"], body > header, body > nav, body > aside, body > footer';

export function closeMenu({ restoreFocus = true } = {}) {
  if (!openMenu) return;
  const { el, anchor, cleanup } = openMenu;
  openMenu = null;
  cleanup();
  el.remove();
  anchor.setAttribute('aria-expanded', 'false');
  if (restoreFocus && anchor.isConnected) anchor.focus();
}

/**
 * Open a menu under `anchor`. `items`: [{label, testid, run, danger?, disabled?} | 'separator'].
 */
export function openMenuAt(anchor, items, { label = 'Actions' } = {}) {
  const wasOpen = openMenu?.anchor === anchor;
  closeMenu({ restoreFocus: false });
  if (wasOpen) return; // a second click on the button closes it

  const buttons = [];
  const el = h('div', { class: 'menu', role: 'menu', 'aria-label': label, testid: 'menu' },
    items.map((item) => {
      if (item === 'separator') return h('div', { class: 'menu-separator', role: 'separator' });
      if (item.heading) return h('div', { class: 'menu-heading', role: 'presentation' }, item.heading);
      const button = h('button', {
        type: 'button', role: 'menuitem', class: item.danger ? 'menu-item danger' : 'menu-item',
        testid: item.testid, disabled: item.disabled, tabindex: '-1',
        onclick: () => {
          closeMenu();
          item.run();
        },
      }, item.label);
      if (!item.disabled) buttons.push(button);
      return button;
    }));
  (anchor.closest(LANDMARKS) ?? document.body).append(el);
  position(el, anchor);

  const onKey = (event) => {
    const index = buttons.indexOf(document.activeElement);
    if (event.key === 'ArrowDown') buttons[(index + 1) % buttons.length]?.focus();
    else if (event.key === 'ArrowUp') buttons[(index - 1 + buttons.length) % buttons.length]?.focus();
    else if (event.key === 'Home') buttons[0]?.focus();
    else if (event.key === 'End') buttons.at(-1)?.focus();
    else if (event.key === 'Escape') closeMenu();
    else if (event.key === 'Tab') closeMenu({ restoreFocus: false });
    else return;
    event.preventDefault();
    event.stopPropagation();
  };
  const onOutside = (event) => {
    if (!el.contains(event.target) && !anchor.contains(event.target)) {
      closeMenu({ restoreFocus: false });
    }
  };
  const onScroll = (event) => {
    if (!el.contains(event.target)) closeMenu({ restoreFocus: false });
  };
  el.addEventListener('keydown', onKey);
  document.addEventListener('pointerdown', onOutside, true);
  window.addEventListener('resize', onScroll);
  document.addEventListener('scroll', onScroll, true);
  openMenu = {
    el, anchor,
    cleanup: () => {
      document.removeEventListener('pointerdown', onOutside, true);
      window.removeEventListener('resize', onScroll);
      document.removeEventListener('scroll', onScroll, true);
    },
  };
  anchor.setAttribute('aria-expanded', 'true');
  buttons[0]?.focus();
}

function position(el, anchor) {
  const rect = anchor.getBoundingClientRect();
  const width = el.offsetWidth;
  const height = el.offsetHeight;
  let left = Math.min(rect.right - width, window.innerWidth - width - 8);
  left = Math.max(8, left);
  let top = rect.bottom + 4;
  if (top + height > window.innerHeight - 8) top = Math.max(8, rect.top - height - 4);
  el.style.left = `${left}px`;
  el.style.top = `${top}px`;
}

/** A "⋯" button that opens the menu returned by `items()` (built at click time: fresh state). */
export function menuButton({ label, testid, items }) {
  const button = h('button', {
    type: 'button', class: 'icon-btn', 'aria-label': label, title: label, testid,
    'aria-haspopup': 'menu', 'aria-expanded': 'false', dataset: { noDrag: '' },
  }, h('span', { 'aria-hidden': 'true' }, '⋯'));
  button.addEventListener('click', (event) => {
    event.stopPropagation();
    openMenuAt(button, items(), { label });
  });
  return button;
}
