// Avatars: initials on a colour derived from the user id, so a person looks the same everywhere.
import { h } from './dom.js';

export function initials(username = '?') {
  const parts = username.split(/[._\-\s]+/).filter(Boolean);
  const letters = parts.length > 1 ? parts[0][0] + parts[1][0] : username.slice(0, 2);
  return letters.toUpperCase();
}

export function colourFor(id) {
  // Golden-angle hue steps keep consecutive ids visually distinct.
  // 30% lightness: white initials stay above 4.5:1 on every hue (WCAG AA contrast).
  const hue = Math.round((Number(id) * 137.508) % 360);
  return `hsl(${hue} 55% 30%)`;
}

export function avatar(user, { size = 'md', title = user?.username } = {}) {
  if (!user) return null;
  const el = h(
    'span',
    { class: `avatar avatar-${size}`, title, role: 'img', 'aria-label': title,
      dataset: { userId: user.id } },
    initials(user.username),
  );
  // Through the CSSOM, not a style attribute: the Content-Security-Policy (style-src 'self')
  // refuses style attributes but not properties set from a script.
  el.style.setProperty('--avatar-bg', colourFor(user.id));
  return el;
}
