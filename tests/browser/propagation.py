"""How fast a change made in one tab shows in the others, measured on the pages' own clocks."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from tests.browser.board_page import BoardPage, Layout, now_ms
from tests.browser.measurements import PROPAGATION_MS
from tests.conftest import TIMEOUT_UNIT, Account

# The product promise: every open tab shows a change within one second.
LIMIT_MS = 1_000 * TIMEOUT_UNIT


async def propagate(
    what: str,
    final_step: Callable[[], Awaitable[Any]],
    actor: BoardPage | None,
    observers: list[BoardPage],
    expected: Layout,
) -> list[float]:
    """Run the last step of a change in `actor` (None: outside the browser, e.g. over REST);
    every tab must then show exactly `expected`.

    The clock starts just before that step (a drop, a key, a click); each observer's delay is
    the first 10 ms poll at which its DOM matched. Returns the observers' delays in ms.
    """
    for page in observers:  # the actor may already show it: a drag moves the card as it goes
        assert await page.layout() != expected, f"{what}: {page.name} already shows the result"
    async with asyncio.TaskGroup() as group:
        shown = [group.create_task(page.reached_at(expected, 5 * LIMIT_MS)) for page in observers]
        if actor is not None:
            shown.append(group.create_task(actor.reached_at(expected, 5 * LIMIT_MS)))
            await actor.front()
        started = now_ms()
        await final_step()
    delays = [task.result() - started for task in shown[: len(observers)]]
    PROPAGATION_MS.extend(delays)
    slow = [round(delay) for delay in delays if delay >= LIMIT_MS]
    assert not slow, f"{what}: shown after {[round(d) for d in delays]} ms, limit {LIMIT_MS:.0f}"
    return delays


async def server_layout(http: httpx.AsyncClient, account: Account, board_id: int) -> Layout:
    """The board as the server holds it, in the shape BoardPage.layout() reads from the DOM."""
    response = await http.get(f"/api/boards/{board_id}", headers=account.headers)
    assert response.status_code == 200, response.text
    snapshot = response.json()

    def order(item: dict[str, Any]) -> tuple[str, int]:
        return item["position"], item["id"]

    tasks = sorted(snapshot["tasks"], key=order)
    return [
        [column["id"], [task["title"] for task in tasks if task["column_id"] == column["id"]]]
        for column in sorted(snapshot["columns"], key=order)
    ]
