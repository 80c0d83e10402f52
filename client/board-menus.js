// The board's menus, built when opened from the latest state; each item runs an intent
// (board-intents.js).
import { cardStep, cardToColumn, columnStep } from './moves.js';

/** `view()`: the board as the tab shows it (filtered), so "Move up" means the card shown above. */
export function boardMenus({ store, view: shown = () => store.view(), intents, openCard, columnsEl }) {
  function cardMenu(taskId) {
    const view = shown();
    const task = view.tasks.get(taskId);
    if (!task) return [];
    const others = view.columns.filter((c) => c.id !== task.column_id);
    const move = (target) => intents.moveCard(taskId, target(shown()));
    return [
      // A card added offline opens once it is synced (it has no server id yet).
      { label: 'Edit…', testid: 'menu-open', disabled: taskId < 0, run: () => openCard(taskId) },
      'separator',
      { label: 'Move up', testid: 'menu-move-up', disabled: !cardStep(view, taskId, 'up'),
        run: () => move((latest) => cardStep(latest, taskId, 'up')) },
      { label: 'Move down', testid: 'menu-move-down', disabled: !cardStep(view, taskId, 'down'),
        run: () => move((latest) => cardStep(latest, taskId, 'down')) },
      ...(others.length ? ['separator', { heading: 'Move to column' }] : []),
      ...others.map((c) => ({ label: c.name, testid: `menu-move-to-${c.id}`,
        run: () => move((latest) => cardToColumn(latest, taskId, c.id)) })),
      'separator',
      { label: 'Delete…', testid: 'menu-delete', danger: true, run: () => intents.deleteCard(taskId) },
    ];
  }

  function columnMenu(columnId) {
    const view = store.view();
    const column = view.columns.find((c) => c.id === columnId);
    if (!column) return [];
    return [
      { label: 'Rename', testid: 'menu-rename',
        run: () => columnsEl.querySelector(`.column[data-id="${columnId}"]`)?.renameHandler() },
      { label: 'Move left', testid: 'menu-move-left', disabled: !columnStep(view, columnId, -1),
        run: () => intents.moveColumn(columnId, -1) },
      { label: 'Move right', testid: 'menu-move-right', disabled: !columnStep(view, columnId, 1),
        run: () => intents.moveColumn(columnId, 1) },
      'separator',
      { label: 'Delete column…', testid: 'menu-delete', danger: true,
        run: () => intents.deleteColumn(column) },
    ];
  }

  function boardMenu() {
    return [
      { label: 'Rename board…', testid: 'menu-rename', run: intents.renameBoard },
      { label: 'Delete board…', testid: 'menu-delete', danger: true, run: intents.deleteBoard },
    ];
  }

  return { cardMenu, columnMenu, boardMenu };
}
