"""One tab on a board: where its cards are, and how a user moves them (mouse, keyboard, menu)."""

from __future__ import annotations

import time
from typing import Any

from playwright.async_api import Locator, Page, expect
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

# [[column id, [card titles top to bottom]], ...] in column order, as the DOM shows them.
Layout = list[list[Any]]

_LAYOUT_JS = """
() => [...document.querySelectorAll('ol[data-testid^="column-cards-"]')].map((list) => [
  Number(list.dataset.columnId),
  [...list.children].map((card) => card.querySelector('.card-title')?.textContent ?? null),
])
"""

# Truthy (the page's clock, ms) once the DOM shows `expected` with every card confirmed by the
# server (temporary ids are negative), each card's data-column-id its list's, no drag going on.
_REACHED_JS = """
(expected) => {
  if (document.body.classList.contains('dragging')) return false;
  const lists = [...document.querySelectorAll('ol[data-testid^="column-cards-"]')];
  const settled = (list, card) =>
    Number(card.dataset.id) > 0 && card.dataset.columnId === list.dataset.columnId;
  if (lists.some((list) => [...list.children].some((card) => !settled(list, card)))) return false;
  const layout = lists.map((list) => [
    Number(list.dataset.columnId),
    [...list.children].map((card) => card.querySelector('.card-title')?.textContent ?? null),
  ]);
  return JSON.stringify(layout) === JSON.stringify(expected) ? Date.now() : false;
}
"""

# What a tab shows, ids and all, for failure messages.
_SHOWN_JS = """
() => [...document.querySelectorAll('ol[data-testid^="column-cards-"]')].map((list) => [
  Number(list.dataset.columnId),
  [...list.children].map((card) =>
    `${card.dataset.id}@${card.dataset.columnId}:${card.querySelector('.card-title')?.textContent}`),
])
"""

# Every data-state the connection indicator takes from now on, with the page's clock.
_RECORD_CONN_JS = """
() => {
  const el = document.querySelector('[data-testid="conn-state"]');
  window.__connStates = [[el.dataset.state, Date.now()]];
  new MutationObserver(() => window.__connStates.push([el.dataset.state, Date.now()]))
    .observe(el, { attributes: true, attributeFilter: ['data-state'] });
}
"""


def now_ms() -> float:
    """The wall clock in ms: the same clock the pages' Date.now() reads on this machine."""
    return time.time() * 1000


class BoardPage:
    def __init__(self, page: Page, board_id: int, name: str) -> None:
        self.page = page
        self.board_id = board_id
        self.name = name

    def by(self, testid: str) -> Locator:
        return self.page.get_by_test_id(testid)

    def card(self, task_id: int) -> Locator:
        return self.by(f"card-{task_id}")

    async def wait_connected(self) -> None:
        await expect(self.by("board-name")).not_to_have_text("Loading board…")
        await expect(self.by("conn-state")).to_have_attribute("data-state", "connected")

    async def layout(self) -> Layout:
        layout: Layout = await self.page.evaluate(_LAYOUT_JS)
        return layout

    async def reached_at(self, expected: Layout, timeout_ms: float) -> float:
        """When (page clock, ms) the board first showed `expected`; polled every 10 ms."""
        try:
            handle = await self.page.wait_for_function(
                _REACHED_JS, arg=expected, polling=10, timeout=timeout_ms
            )
        except PlaywrightTimeoutError:
            shown = await self.page.evaluate(_SHOWN_JS)
            raise AssertionError(f"{self.name} never showed {expected}; it shows {shown}") from None
        value = float(await handle.json_value())
        await handle.dispose()
        return value

    async def record_connection_states(self) -> None:
        await self.page.evaluate(_RECORD_CONN_JS)

    async def connection_states(self) -> list[str]:
        states: list[list[Any]] = await self.page.evaluate("() => window.__connStates")
        return [state for state, _ in states]

    async def outages_ms(self) -> list[float]:
        """How long each spell away from "connected" lasted (since record_connection_states)."""
        states: list[list[Any]] = await self.page.evaluate("() => window.__connStates")
        outages, left = [], None
        for state, at in states:
            if state != "connected" and left is None:
                left = at
            elif state == "connected" and left is not None:
                outages.append(at - left)
                left = None
        return outages

    async def task_id(self, title: str) -> int:
        card = self.page.locator("li.card", has=self.page.locator(".card-title", has_text=title))
        await expect(card).to_have_count(1)
        return int(await card.get_attribute("data-id") or 0)

    # -- what a user does ----------------------------------------------------------------
    async def front(self) -> None:
        """Make this the active tab of its window: headless Chromium gives a tab behind another
        no animation frames, so clicks (which wait for a stable element) and dialogs would crawl."""
        await self.page.bring_to_front()

    async def press_on_card(self, task_id: int, key: str) -> None:
        await self.front()
        await self.by(f"card-open-{task_id}").focus()
        await self.page.keyboard.press(key)

    async def open_card_menu(self, task_id: int) -> None:
        await self.front()
        await self.card(task_id).hover()
        await self.by(f"card-menu-{task_id}").click()
        await expect(self.by("menu")).to_be_visible()

    async def start_drag(self, task_id: int, to: Locator, *, at: float = 0.5) -> None:
        """Press on the card, then move the pointer over `to`, `at` of its height from its top.

        The button stays down: the test releases it (`page.mouse.up()`) when it starts its clock.
        """
        await self.front()
        source = await self.by(f"card-open-{task_id}").bounding_box()
        target = await to.bounding_box()
        assert source and target, "card or drop target not on screen"
        x, y = source["x"] + 24, source["y"] + source["height"] / 2
        mouse = self.page.mouse
        await mouse.move(x, y)
        await mouse.down()
        await mouse.move(x + 6, y + 6, steps=2)  # past the 5 px threshold: the drag starts
        await mouse.move(target["x"] + 40, target["y"] + target["height"] * at, steps=12)
