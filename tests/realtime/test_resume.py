"""Resume with `since`: replay then live with no gap or duplicate, or `resync` when it cannot."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import delete

from taskflow.models import BoardEvent
from tests.conftest import Account
from tests.support.live import create_task, join, new_board, open_live


async def board_with_events(http: httpx.AsyncClient, owner: Account, count: int) -> int:
    board = await new_board(http, owner)
    for index in range(count):
        await create_task(http, owner, board["id"], f"T{index}")
    return int(board["id"])


@pytest.mark.parametrize("since", [0, 2, 5])
async def test_replay_then_live(
    http: httpx.AsyncClient, server_url: str, owner: Account, since: int
) -> None:
    board_id = await board_with_events(http, owner, 5)
    live = await open_live(server_url, board_id, owner.token, since=since)
    hello = await live.recv()
    assert hello["type"] == "hello" and hello["seq"] == 5
    await create_task(http, owner, board_id, "live one")
    events = await live.events_until(6)
    assert [event["seq"] for event in events] == list(range(since + 1, 7))
    assert all(frame["type"] != "resync" for frame in live.frames)
    await live.close()


async def test_resume_at_the_head_gets_only_live_events(
    http: httpx.AsyncClient, server_url: str, owner: Account
) -> None:
    board_id = await board_with_events(http, owner, 3)
    live = await join(server_url, board_id, owner, since=3)
    await create_task(http, owner, board_id, "after")
    assert [event["seq"] for event in await live.events_until(4)] == [4]
    await live.close()


async def test_since_ahead_of_the_board_is_resync(
    http: httpx.AsyncClient, server_url: str, owner: Account
) -> None:
    board_id = await board_with_events(http, owner, 2)
    live = await join(server_url, board_id, owner, since=10)
    assert await live.recv_type("resync") == {"type": "resync", "seq": 2}
    await create_task(http, owner, board_id, "after resync")
    assert (await live.recv_type("event"))["seq"] == 3
    await live.close()


async def test_since_older_than_the_log_is_resync(
    app_and_url: tuple[FastAPI, str], owner_on_app: Account
) -> None:
    app, url = app_and_url
    async with httpx.AsyncClient(base_url=url) as http:
        board_id = await board_with_events(http, owner_on_app, 4)
    async with (
        app.state.resources.db.session() as tx
    ):  # as if retention had dropped the first events
        await tx.execute(
            delete(BoardEvent).where(BoardEvent.board_id == board_id, BoardEvent.seq <= 2)
        )
        await tx.commit()
    live = await join(url, board_id, owner_on_app, since=1)
    assert await live.recv_type("resync") == {"type": "resync", "seq": 4}
    await live.close()
    fine = await join(url, board_id, owner_on_app, since=2)
    assert [event["seq"] for event in await fine.events_until(4)] == [3, 4]
    await fine.close()


async def test_malformed_since_is_refused(
    http: httpx.AsyncClient, server_url: str, owner: Account
) -> None:
    board_id = await board_with_events(http, owner, 0)
    url = f"{server_url.replace('http', 'ws')}/ws/boards/{board_id}?token={owner.token}&since=-3"
    from websockets.asyncio.client import connect

    async with connect(url) as socket:
        await socket.wait_closed()
        assert socket.close_code == 1008
