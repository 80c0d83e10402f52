"""Replicas crashing and restarting under an open board: the board reconnects through Nginx and
shows every change made while its socket was down."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from playwright.async_api import expect

from devstack import Stack
from tests.browser.board_page import BoardPage
from tests.browser.conftest import MakeAccount
from tests.browser.measurements import RECONNECT_MS
from tests.browser.propagation import server_layout
from tests.browser.seed import seed_board
from tests.browser.web import WAIT_MS, Web
from tests.conftest import TIMEOUT_UNIT, Account
from tests.support.live import create_task

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]


async def shows_server_state(
    tab: BoardPage, http: httpx.AsyncClient, owner: Account, board_id: int
) -> None:
    await expect(tab.by("conn-state")).to_have_attribute(
        "data-state", "connected", timeout=3 * WAIT_MS
    )
    await tab.reached_at(await server_layout(http, owner, board_id), 3 * WAIT_MS)


async def start_again(stack: Stack, index: int) -> None:
    await asyncio.to_thread(stack.start_replica, index)
    # Nginx skips a replica it saw fail for fail_timeout (10 s), which would make the next
    # restart look like a total outage; the harness's way to forget that is a reload.
    await asyncio.to_thread(stack.reload_nginx)


async def test_the_board_reconnects_after_a_crash_and_restarts_and_shows_what_was_missed(
    web: Web, stack: Stack, http: httpx.AsyncClient, account: MakeAccount
) -> None:
    alice = await account("alice")
    board = await seed_board(http, alice, "Ops", [["Rotate keys"], ["Upgrade Postgres"]])
    tab = await web.board_as(alice, board.id)
    await tab.record_connection_states()

    # kill -9 of the replica that holds the board's socket; changes land on the survivor.
    holder = await asyncio.to_thread(
        stack.replica_for_board, board.id, alice.token, 10 * TIMEOUT_UNIT
    )
    await asyncio.to_thread(stack.kill_replica, holder)
    crashed = await create_task(http, alice, board.id, f"Added while replica {holder} crashed")
    moved = await http.patch(
        f"/api/tasks/{board.tasks['Rotate keys']['id']}",
        json={"column_id": board.columns[2]},
        headers=alice.headers,
    )
    assert moved.status_code == 200, moved.text
    await start_again(stack, holder)
    await shows_server_state(tab, http, alice, board.id)
    await expect(tab.card(crashed["id"])).to_have_attribute("data-column-id", str(board.columns[0]))

    # Graceful restarts, one replica at a time (sockets closed with 1012, resumed with since).
    # Whichever replica the socket was on, stopping replica 1 last moves it at least once more.
    for index in (0, 1):
        await asyncio.to_thread(stack.stop_replica, index)
        await create_task(http, alice, board.id, f"Added while replica {index} restarted")
        await start_again(stack, index)
        await shows_server_state(tab, http, alice, board.id)

    states = await tab.connection_states()
    assert states.count("reconnecting") >= 2, states
    assert states[-1] == "connected", states
    outages = await tab.outages_ms()
    RECONNECT_MS.extend(outages)
    assert max(outages) < WAIT_MS, f"reconnected after {[round(o) for o in outages]} ms"
    assert await tab.by("toast").count() == 0
