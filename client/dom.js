// Tiny DOM helpers: enough to build views without a framework.

/**
 * h('button', {class: 'btn', onclick, dataset: {testid: 'x'}}, 'Label', child...)
 * Attributes: `class`, `dataset`, `on<event>` handlers, booleans (true sets, false omits),
 * anything else becomes an attribute. `testid` is a shortcut for data-testid.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'testid') el.dataset.testid = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value);
    } else if (key === 'value') el.value = value;
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace all children of `el`. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/**
 * Keyed reconciliation: make `parent`'s children match `items` in order, reusing the element
 * made for the same key. Moving existing nodes (not rebuilding) keeps focus and scroll.
 * `create(item)` makes a new element, `update(el, item)` refreshes an existing one.
 */
export function syncChildren(parent, items, { key, create, update }) {
  const existing = new Map();
  for (const child of parent.children) {
    if (child.dataset.key !== undefined) existing.set(child.dataset.key, child);
  }
  const focused = document.activeElement;
  const wanted = items.map((item) => {
    const k = String(key(item));
    let el = existing.get(k);
    if (el) {
      existing.delete(k);
      update(el, item);
    } else {
      el = create(item);
      el.dataset.key = k;
    }
    return el;
  });
  for (const stale of existing.values()) stale.remove();
  // Insert in order, touching only nodes that are out of place.
  let cursor = parent.firstElementChild;
  for (const el of wanted) {
    while (cursor && cursor.dataset.key === undefined) cursor = cursor.nextElementSibling;
    if (cursor === el) {
      cursor = cursor.nextElementSibling;
    } else {
      parent.insertBefore(el, cursor);
    }
  }
  // Moving a node blurs it; give focus back so keyboard moves feel continuous.
  if (focused && focused !== document.activeElement && focused.isConnected) {
    focused.focus({ preventScroll: true });
  }
}

/** Simple trailing debounce. */
export function debounce(fn, ms) {
  let timer = null;
  const debounced = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  debounced.cancel = () => clearTimeout(timer);
  return debounced;
}
