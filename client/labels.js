// Labels: the server's fixed palette of colour names, each drawn as dark text on a light tint that
// keeps WCAG AA contrast (4.5:1, checked in tests/labels.test.mjs). Colours are CSS classes
// (`label-<name>`), never style attributes: the Content-Security-Policy refuses those.
import { h } from './dom.js';

/** name -> [background, text]; the order is the picker's. */
export const PALETTE = Object.freeze({
  gray: ['#e6e8ec', '#3b4350'],
  red: ['#fde2e0', '#9b1c17'],
  orange: ['#ffe5cc', '#8a3a00'],
  yellow: ['#fcefb4', '#6b4d00'],
  green: ['#d8f1e0', '#16603a'],
  teal: ['#d2f0ee', '#0e5a56'],
  blue: ['#dbe7fd', '#1d4ea3'],
  purple: ['#ebe2fd', '#5a2b9f'],
  pink: ['#fbdff0', '#99205f'],
});
export const COLORS = Object.keys(PALETTE);

function luminance(hex) {
  const channels = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
  const [r, g, b] = channels.map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG 2 contrast ratio of two #rrggbb colours. */
export function contrastRatio(a, b) {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** The label's name on its colour. */
export function labelChip(label, { testid = null } = {}) {
  const color = PALETTE[label.color] ? label.color : 'gray';
  return h('span', { class: `label-chip label-${color}`, testid, title: `Label: ${label.name}` },
    h('span', { class: 'sr-only' }, 'Label: '), label.name);
}
