"""The housekeeping loop: idempotency answers expire and events are pruned as the settings say."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, update

from devstack import asyncapi
from taskflow.config import Settings
from taskflow.housekeeping import Housekeeper
from taskflow.main import create_app
from taskflow.models import Board, BoardEvent, Column, IdempotencyRecord, TrashItem, User
from taskflow.realtime.commands import CommandRunner
from taskflow.realtime.protocol import parse_client_frame
from taskflow.types import utcnow
from tests.conftest import TIMEOUT_UNIT, Account, make_settings, register
from tests.support.live import new_board


@pytest.fixture
async def short_ttl_app(database_url: str) -> AsyncIterator[FastAPI]:
    # Below the bound config.py enforces (600 s), which model_copy does not check: a test may.
    settings = make_settings(database_url).model_copy(update={"idempotency_ttl_seconds": 1})
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


def http(application: FastAPI) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=application, client=("127.0.0.1", 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://taskflow.test")


async def kept_keys(application: FastAPI) -> int:
    async with application.state.resources.db.session() as tx:
        return int((await tx.scalar(select(func.count()).select_from(IdempotencyRecord))) or 0)


async def create_twice(client: httpx.AsyncClient, owner: Account, board_id: int) -> list[int]:
    headers = {**owner.headers, "Idempotency-Key": "same-key"}
    url = f"/api/boards/{board_id}/tasks"
    ids = []
    for _ in range(2):
        created = await client.post(url, json={"title": "Once"}, headers=headers)
        assert created.status_code == 201, created.text
        ids.append(created.json()["id"])
    return ids


async def test_a_short_ttl_lets_the_loop_purge_a_key_which_then_creates_again(
    short_ttl_app: FastAPI,
) -> None:
    async with http(short_ttl_app) as client:
        owner = await register(client, "tess")
        board = await new_board(client, owner)
        first, replayed = await create_twice(client, owner, board["id"])
        assert first == replayed
        assert short_ttl_app.state.resources.housekeeper.interval <= 0.1
        deadline = asyncio.get_running_loop().time() + 10 * TIMEOUT_UNIT
        while await kept_keys(short_ttl_app):  # the lifespan's loop purges, nobody calls it
            assert asyncio.get_running_loop().time() < deadline, "the key was never purged"
            await asyncio.sleep(0.05)
        after_expiry, _ = await create_twice(client, owner, board["id"])
        assert after_expiry != first
        tasks = await client.get(f"/api/boards/{board['id']}/tasks", headers=owner.headers)
        assert [t["id"] for t in tasks.json()] == [first, after_expiry]


async def test_the_default_ttl_keeps_the_key_through_a_purge(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings
) -> None:
    owner = await register(client, "ugo")
    board = await new_board(client, owner)
    first, _ = await create_twice(client, owner, board["id"])
    await asyncio.sleep(1.1)
    purged = await Housekeeper.from_settings(app.state.resources.db, settings).purge_once()
    assert purged.idempotency_keys == 0 and await kept_keys(app) == 1
    assert (await create_twice(client, owner, board["id"])) == [first, first]


async def test_a_websocket_ref_expires_with_the_same_ttl(short_ttl_app: FastAPI) -> None:
    async with http(short_ttl_app) as client:
        owner = await register(client, "vera")
        board = await new_board(client, owner)
    state = short_ttl_app.state.resources
    async with state.db.session() as tx:
        actor = await tx.get(User, owner.id)
    assert actor is not None
    runner = CommandRunner(db=state.db, commit=state.committer)
    frame = parse_client_frame('{"type":"task.create","ref":"r1","data":{"title":"Once"}}')

    async def ack_seq() -> int:
        reply = await runner.run(actor=actor, board_id=board["id"], frame=frame)
        answer = json.loads(reply)
        asyncapi.check_server_frame(answer)
        return int(answer["seq"])

    assert [await ack_seq(), await ack_seq()] == [1, 1]
    await asyncio.sleep(1.1)
    assert (await state.housekeeper.purge_once()).idempotency_keys in (0, 1)  # the loop may win
    assert await kept_keys(short_ttl_app) == 0
    assert await ack_seq() == 2


async def event_seqs(application: FastAPI, board_id: int) -> list[int]:
    async with application.state.resources.db.session() as tx:
        rows = await tx.scalars(
            select(BoardEvent.seq).where(BoardEvent.board_id == board_id).order_by(BoardEvent.seq)
        )
        return [int(seq) for seq in rows]


@pytest.mark.parametrize(
    ("count", "hours", "kept_from"),
    [
        (5, 0.0, 8),  # beyond the last 5 and older than now: gone
        (10, 0.0, 3),  # a larger count keeps more
        (5, 1.0, 1),  # younger than an hour: kept, however many
        (1_000, 24.0, 1),  # the defaults
    ],
)
async def test_event_retention_follows_the_settings(
    app: FastAPI,
    client: httpx.AsyncClient,
    settings: Settings,
    count: int,
    hours: float,
    kept_from: int,
) -> None:
    owner = await register(client, "wim")
    board = await new_board(client, owner)
    other = await new_board(client, owner)
    for n in range(12):
        renamed = await client.patch(
            f"/api/boards/{board['id']}", json={"name": f"n{n}"}, headers=owner.headers
        )
        assert renamed.status_code == 200
    await client.patch(f"/api/boards/{other['id']}", json={"name": "x"}, headers=owner.headers)
    # Below config.py's bounds (the contract's 1,000 events / 24 hours): model_copy allows it.
    changed = settings.model_copy(
        update={"event_retention_count": count, "event_retention_hours": hours}
    )
    await Housekeeper.from_settings(app.state.resources.db, changed).purge_once()
    assert await event_seqs(app, board["id"]) == list(range(kept_from, 13))
    assert await event_seqs(app, other["id"]) == [1]  # each board by its own head


async def test_expired_trash_is_forgotten_and_expired_boards_erased(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings
) -> None:
    owner = await register(client, "xena")
    kept, gone = await new_board(client, owner), await new_board(client, owner)
    task = await client.post(
        f"/api/boards/{kept['id']}/tasks", json={"title": "t"}, headers=owner.headers
    )
    assert (
        await client.delete(f"/api/tasks/{task.json()['id']}", headers=owner.headers)
    ).is_success
    assert (await client.delete(f"/api/boards/{gone['id']}", headers=owner.headers)).is_success
    housekeeper = Housekeeper.from_settings(app.state.resources.db, settings)
    fresh = await housekeeper.purge_once()  # nothing has expired yet
    assert (fresh.boards, fresh.trash_items) == (0, 0)
    async with app.state.resources.db.session() as tx:
        await tx.execute(update(TrashItem).values(expires_at=utcnow() - timedelta(seconds=1)))
        await tx.commit()
    purged = await housekeeper.purge_once()
    assert (purged.boards, purged.trash_items) == (1, 1)
    async with app.state.resources.db.session() as tx:
        assert await tx.scalar(select(func.count()).select_from(TrashItem)) == 0
        boards = await tx.scalars(select(Board.id))
        assert list(boards) == [kept["id"]]
        left = await tx.scalar(select(func.count()).where(Column.board_id == gone["id"]))
        assert left == 0
    assert await event_seqs(app, gone["id"]) == []
    restore = await client.post(f"/api/tasks/{task.json()['id']}/restore", headers=owner.headers)
    assert restore.status_code == 404
