"""The hub against the real database: gaps filled from the log, duplicates dropped, lost events swept."""

from __future__ import annotations

import asyncio

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from taskflow.models import BoardEvent
from taskflow.schemas import TaskCreate
from taskflow.services import tasks
from taskflow.services.events import Event
from tests.conftest import Account
from tests.support.live import join, new_board


async def commit_silently(app: FastAPI, owner: Account, board_id: int, title: str) -> Event:
    """A committed change whose publish never happens (as if the broker lost it)."""
    async with app.state.resources.db.session() as tx:
        from taskflow.models import User

        actor = await tx.get(User, owner.id)
        _, [event] = await tasks.create_task(
            tx=tx, actor=actor, board_id=board_id, cmd=TaskCreate(title=title)
        )
        await tx.commit()
    return event


async def test_out_of_order_publish_is_filled_from_the_log(
    app_and_url: tuple[FastAPI, str], owner_on_app: Account
) -> None:
    app, url = app_and_url
    async with httpx.AsyncClient(base_url=url) as http:
        board = await new_board(http, owner_on_app)
    live = await join(url, board["id"], owner_on_app)
    first = await commit_silently(app, owner_on_app, board["id"], "one")
    second = await commit_silently(app, owner_on_app, board["id"], "two")
    await app.state.resources.hub.publish(second)
    await app.state.resources.hub.publish(first)
    await app.state.resources.hub.publish(second)
    events = await live.events_until(2)
    assert [event["seq"] for event in events] == [1, 2]
    assert [event["data"]["title"] for event in events] == ["one", "two"]
    third = await commit_silently(app, owner_on_app, board["id"], "three")
    await app.state.resources.hub.publish(third)
    assert [event["seq"] for event in await live.events_until(3)] == [3]
    await live.close()


async def test_a_lost_publish_is_delivered_by_the_sweep(
    app_and_url: tuple[FastAPI, str], owner_on_app: Account
) -> None:
    app, url = app_and_url
    async with httpx.AsyncClient(base_url=url) as http:
        board = await new_board(http, owner_on_app)
    live = await join(url, board["id"], owner_on_app)
    await commit_silently(app, owner_on_app, board["id"], "never published")
    event = await live.recv_type("event", timeout=5)
    assert event["seq"] == 1 and event["data"]["title"] == "never published"
    async with app.state.resources.db.session() as tx:
        frame = (
            await tx.execute(select(BoardEvent.frame).where(BoardEvent.board_id == board["id"]))
        ).scalar_one()
    assert frame == __import__("json").dumps(event, separators=(",", ":"))
    await live.close()


async def test_rooms_close_when_the_last_socket_leaves(
    app_and_url: tuple[FastAPI, str], owner_on_app: Account
) -> None:
    app, url = app_and_url
    async with httpx.AsyncClient(base_url=url) as http:
        board = await new_board(http, owner_on_app)
    tabs = [await join(url, board["id"], owner_on_app) for _ in range(3)]
    assert board["id"] in app.state.resources.hub.rooms
    for tab in tabs:
        await tab.close()
    for _ in range(100):
        if board["id"] not in app.state.resources.hub.rooms:
            break
        await asyncio.sleep(0.02)
    assert board["id"] not in app.state.resources.hub.rooms
    assert app.state.resources.hub.sockets_of(owner_on_app.id) == 0
