// Pointer-based drag and drop for sortable lists (cards across columns, columns in a row).
// Pointer events rather than the HTML5 drag API: the same code serves mouse, pen and touch
// (long press), and we control the placeholder. The dragged element itself is moved through the
// DOM as the placeholder; a clone follows the pointer.

const DRAG_THRESHOLD_PX = 5;
const LONG_PRESS_MS = 280;
const EDGE_PX = 56;
const MAX_SCROLL_STEP = 18;

/**
 * @param {HTMLElement} root  where drags may start
 * @param {object} o
 * @param {string} o.item        selector of draggable items
 * @param {string} [o.handle]    drag starts only from here (inside the item)
 * @param {string} o.ignore      never start from these (buttons, inputs, ...)
 * @param {(el: Element) => HTMLElement|null} o.containerAt  drop container under the pointer
 * @param {'x'|'y'} o.axis
 * @param {() => HTMLElement[]} o.scrollers  elements to auto-scroll near their edges
 * @param {() => boolean} o.enabled
 * @param {(drop: {id: string, container: HTMLElement, index: number, ids: string[]}) => void} o.onDrop
 *   `ids` are the item ids in `container`, without the dragged one; it goes at `index`.
 * @param {(dragging: boolean) => void} o.onDragChange
 */
export function sortable(root, o) {
  let pending = null; // pointer down, not yet dragging
  let drag = null;

  const itemsOf = (container, except) =>
    [...container.children].filter((el) => el.matches(o.item) && el !== except);

  function onPointerDown(event) {
    if (drag || pending || !event.isPrimary || event.button !== 0 || !o.enabled()) return;
    const item = event.target.closest(o.item);
    if (!item || !root.contains(item)) return;
    if (o.handle && !event.target.closest(o.handle)) return;
    if (event.target.closest(o.ignore)) return;
    pending = { item, x: event.clientX, y: event.clientY, touch: event.pointerType === 'touch' };
    if (pending.touch) {
      pending.timer = setTimeout(() => {
        if (pending) start(pending.x, pending.y);
      }, LONG_PRESS_MS);
    }
    window.addEventListener('pointermove', onPointerMove);
    window.addEventListener('pointerup', onPointerUp);
    window.addEventListener('pointercancel', onCancel);
  }

  function onPointerMove(event) {
    if (pending && !drag) {
      const moved = Math.hypot(event.clientX - pending.x, event.clientY - pending.y);
      if (pending.touch) {
        if (moved > 8) reset(); // a scroll, not a long press
        return;
      }
      if (moved < DRAG_THRESHOLD_PX) return;
      start(pending.x, pending.y);
    }
    if (drag) {
      event.preventDefault();
      drag.x = event.clientX;
      drag.y = event.clientY;
      moveGhost();
      place();
    }
  }

  function start(x, y) {
    const item = pending.item;
    clearTimeout(pending.timer);
    const rect = item.getBoundingClientRect();
    const ghost = item.cloneNode(true);
    // The clone must not be mistaken for the real element (tests, screen readers).
    for (const el of [ghost, ...ghost.querySelectorAll('[data-testid],[id]')]) {
      el.removeAttribute('data-testid');
      el.removeAttribute('id');
    }
    ghost.setAttribute('aria-hidden', 'true');
    ghost.classList.add('drag-ghost');
    ghost.style.width = `${rect.width}px`;
    ghost.style.height = `${rect.height}px`;
    document.body.append(ghost);
    drag = {
      item, ghost, x, y,
      dx: x - rect.left, dy: y - rect.top,
      origin: { parent: item.parentElement, next: item.nextSibling },
      originIndex: itemsOf(item.parentElement, null).indexOf(item),
      frame: requestAnimationFrame(autoScroll),
    };
    pending = null;
    item.classList.add('drag-source');
    document.body.classList.add('dragging');
    document.addEventListener('touchmove', preventTouchScroll, { passive: false });
    window.addEventListener('keydown', onKey, true);
    navigator.vibrate?.(10);
    o.onDragChange(true);
    moveGhost();
  }

  function moveGhost() {
    drag.ghost.style.transform = `translate(${drag.x - drag.dx}px, ${drag.y - drag.dy}px) rotate(1.5deg)`;
  }

  /** Put the placeholder where a drop would land now. */
  function place() {
    const under = document.elementFromPoint(drag.x, drag.y);
    if (!under) return;
    const container = o.containerAt(under);
    if (!container) return;
    const source = drag.item;
    const hovered = under.closest(o.item);
    const items = itemsOf(container, source);
    const along = o.axis === 'x' ? drag.x : drag.y;
    const mid = (el) => {
      const r = el.getBoundingClientRect();
      return o.axis === 'x' ? r.left + r.width / 2 : r.top + r.height / 2;
    };
    let ref; // insert before this (null: at the end)
    if (hovered && hovered !== source && hovered.parentElement === container) {
      if (source.parentElement === container) {
        // Same list: take the hovered item's place. Deciding by "which side of the source" instead
        // of by midpoint avoids flicker when the placeholder shifts the hovered item.
        const sourceFirst = source.compareDocumentPosition(hovered) & Node.DOCUMENT_POSITION_FOLLOWING;
        ref = sourceFirst ? hovered.nextElementSibling : hovered;
      } else {
        // From another list: the upper half (the centre included) means "before".
        ref = along <= mid(hovered) + 2 ? hovered : hovered.nextElementSibling;
      }
    } else if (hovered === source) {
      return;
    } else {
      // Over the container but between/around items (header, footer, gaps).
      if (items.length === 0) ref = null;
      else if (along < edge(items[0], 'start')) ref = items[0];
      else if (along > edge(items.at(-1), 'end')) ref = items.at(-1).nextElementSibling;
      else if (source.parentElement === container) return;
      else ref = items.find((el) => along < mid(el)) ?? items.at(-1).nextElementSibling;
    }
    if (ref === source) return;
    if (source.parentElement === container && source.nextElementSibling === ref) return;
    container.insertBefore(source, ref);
  }

  function edge(el, side) {
    const r = el.getBoundingClientRect();
    if (o.axis === 'x') return side === 'start' ? r.left : r.right;
    return side === 'start' ? r.top : r.bottom;
  }

  function autoScroll() {
    if (!drag) return;
    for (const scroller of o.scrollers()) {
      const r = scroller.getBoundingClientRect();
      if (scroller.scrollWidth > scroller.clientWidth && drag.y >= r.top && drag.y <= r.bottom) {
        scroller.scrollLeft += speed(r.right - drag.x) - speed(drag.x - r.left);
      }
      if (scroller.scrollHeight > scroller.clientHeight && drag.x >= r.left && drag.x <= r.right) {
        scroller.scrollTop += speed(r.bottom - drag.y) - speed(drag.y - r.top);
      }
    }
    drag.frame = requestAnimationFrame(autoScroll);
  }
  // Closer to the edge scrolls faster; 0 outside the edge band.
  const speed = (distance) =>
    distance < EDGE_PX && distance > -EDGE_PX
      ? Math.ceil(MAX_SCROLL_STEP * (1 - Math.max(0, distance) / EDGE_PX)) : 0;

  function onPointerUp() {
    if (!drag) return reset();
    const { item } = drag;
    const container = item.parentElement;
    const ids = itemsOf(container, item).map((el) => el.dataset.id);
    const index = itemsOf(container, null).indexOf(item);
    const moved = container !== drag.origin.parent || index !== drag.originIndex;
    finish();
    swallowNextClick();
    if (moved) o.onDrop({ id: item.dataset.id, container, index, ids });
  }

  function onCancel() {
    if (drag) {
      const { item, origin } = drag;
      origin.parent.insertBefore(item, origin.next?.parentElement === origin.parent ? origin.next : null);
      finish();
    }
    reset();
  }

  function onKey(event) {
    if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      onCancel();
    }
  }

  function finish() {
    cancelAnimationFrame(drag.frame);
    drag.ghost.remove();
    drag.item.classList.remove('drag-source');
    document.body.classList.remove('dragging');
    document.removeEventListener('touchmove', preventTouchScroll);
    window.removeEventListener('keydown', onKey, true);
    drag = null;
    reset();
    o.onDragChange(false);
  }

  function reset() {
    if (pending) clearTimeout(pending.timer);
    pending = null;
    window.removeEventListener('pointermove', onPointerMove);
    window.removeEventListener('pointerup', onPointerUp);
    window.removeEventListener('pointercancel', onCancel);
  }

  root.addEventListener('pointerdown', onPointerDown);
  // A long press on touch would otherwise open the context menu / select text.
  root.addEventListener('contextmenu', (event) => {
    if (drag || pending?.touch) event.preventDefault();
  });
  return {
    isDragging: () => Boolean(drag),
    destroy() {
      if (drag) onCancel();
      reset();
      root.removeEventListener('pointerdown', onPointerDown);
    },
  };
}

function preventTouchScroll(event) {
  event.preventDefault();
}

/** The click that ends a drag must not also open the card. */
function swallowNextClick() {
  const swallow = (event) => {
    event.stopPropagation();
    event.preventDefault();
  };
  window.addEventListener('click', swallow, true);
  setTimeout(() => window.removeEventListener('click', swallow, true), 0);
}
