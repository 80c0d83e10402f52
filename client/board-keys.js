// Keyboard use of the board. On a focused card: arrows move focus, Alt+arrow or Shift+arrow
// moves the card (Alt+Left is "back" in some browsers, hence both), Delete asks to delete it.
// On a column header: Alt/Shift+Left/Right moves the column.

const ARROWS = { ArrowUp: 'up', ArrowDown: 'down', ArrowLeft: 'left', ArrowRight: 'right' };

/** ctx: {canEdit(), moveCard(taskId, direction), deleteCard(taskId), moveColumn(columnId, step)} */
export function boardKeyboard(columnsEl, ctx) {
  function onKeyDown(event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey) return;
    const direction = ARROWS[event.key];
    const modified = event.altKey || event.shiftKey;
    const card = event.target.closest?.('.card');
    if (card && event.target === card.main) {
      const taskId = Number(card.dataset.id);
      if (direction && modified) {
        if (ctx.canEdit()) ctx.moveCard(taskId, direction);
      } else if (direction) {
        focusNeighbour(card, direction);
      } else if ((event.key === 'Delete' || event.key === 'Backspace') && ctx.canEdit()) {
        ctx.deleteCard(taskId);
      } else {
        return;
      }
      event.preventDefault();
      return;
    }
    const head = event.target.closest?.('.column-head');
    if (head && modified && (direction === 'left' || direction === 'right') && ctx.canEdit()) {
      event.preventDefault();
      const columnId = Number(head.closest('.column').dataset.id);
      ctx.moveColumn(columnId, direction === 'left' ? -1 : 1);
      requestAnimationFrame(() => {
        columnsEl.querySelector(`.column[data-id="${columnId}"] .column-name`)?.focus();
      });
    }
  }

  columnsEl.addEventListener('keydown', onKeyDown);
  return () => columnsEl.removeEventListener('keydown', onKeyDown);
}

const focusCard = (li) => li?.querySelector('.card-main')?.focus();

function focusNeighbour(card, direction) {
  if (direction === 'up') return focusCard(card.previousElementSibling);
  if (direction === 'down') return focusCard(card.nextElementSibling);
  const index = [...card.parentElement.children].indexOf(card);
  const step = (column) => (direction === 'left' ? column.previousElementSibling : column.nextElementSibling);
  let column = step(card.closest('.column'));
  while (column && column.querySelector('.card-list').children.length === 0) column = step(column);
  if (!column) return;
  const cards = column.querySelector('.card-list').children;
  focusCard(cards[Math.min(index, cards.length - 1)]);
}
