"""The outbox relay, against the SQL feed and against MongoDB (nx-27017), and through the app."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, text
from tests.conftest import TIMEOUT_UNIT, make_settings
from tests.support.activity import uid

from devstack import MongoWireServer
from taskflow.activity.feed import ActivityFeed
from taskflow.activity.feed_mongo import MongoActivityFeed
from taskflow.activity.feed_sql import SqlActivityFeed
from taskflow.activity.relay import ActivityRelay
from taskflow.database import Database
from taskflow.errors import Unavailable
from taskflow.main import create_app
from taskflow.models import ActivityOutbox

MONGO_DB = "taskflow_relay_test"


def outbox_row(board_id: int, seq: int) -> ActivityOutbox:
    ts = datetime.now(UTC)
    return ActivityOutbox(
        board_id=board_id,
        seq=seq,
        created_at=ts,
        entry={
            "id": board_id * 10_000 + seq,
            "board_id": board_id,
            "board_uid": uid(board_id),
            "seq": seq,
            "actor": {"id": 1, "username": "ann"},
            "verb": "task.created",
            "target": {"type": "task", "id": seq, "title": f"t{seq}"},
            "changes": {},
            "ts": ts.isoformat(),
        },
    )


async def put_outbox(db: Database, board_id: int, seqs: range) -> None:
    """Entries committed as another replica would: nobody wakes this process's relay."""
    async with db.session() as tx:
        tx.add_all(outbox_row(board_id, seq) for seq in seqs)
        await tx.commit()


async def outbox_size(db: Database) -> int:
    async with db.session() as tx:
        return int(
            (await tx.execute(select(func.count()).select_from(ActivityOutbox))).scalar_one()
        )


async def seqs(feed: ActivityFeed, board_id: int) -> list[int]:
    return [e["seq"] for e in await feed.page(uid(board_id), limit=1_000, before_seq=None)]


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout * TIMEOUT_UNIT
    while not await check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    yield database
    await database.dispose()


@pytest.fixture
async def mongo_feed(mongo_stopped: MongoWireServer) -> AsyncIterator[MongoActivityFeed]:
    feed = MongoActivityFeed(mongo_stopped.url, MONGO_DB, timeout=0.5)
    await feed.open()
    yield feed
    await feed.close()


@pytest.fixture(params=["sql", "mongo"])
async def feed(
    request: pytest.FixtureRequest, db: Database, mongo_stopped: MongoWireServer
) -> AsyncIterator[ActivityFeed]:
    """Each relay test runs against both feeds (and, through `db`, both databases)."""
    if request.param == "sql":
        yield SqlActivityFeed(db)
        return
    await asyncio.to_thread(mongo_stopped.start)
    mongo = MongoActivityFeed(mongo_stopped.url, MONGO_DB)
    await mongo.open()
    yield mongo
    await mongo.close()


async def test_flush_moves_everything_in_order_and_empties_the_outbox(
    db: Database, feed: ActivityFeed
) -> None:
    await put_outbox(db, 1, range(1, 451))
    await put_outbox(db, 2, range(1, 4))
    relay = ActivityRelay(db, feed, batch_size=100)
    await relay.flush(10)
    assert await seqs(feed, 1) == list(range(450, 0, -1))
    assert await seqs(feed, 2) == [3, 2, 1]
    assert await outbox_size(db) == 0
    await relay.flush(10)  # nothing pending: a no-op


async def test_the_poll_relays_entries_nobody_woke_it_for(db: Database, feed: ActivityFeed) -> None:
    relay = ActivityRelay(db, feed)
    await relay.start()
    try:
        await asyncio.sleep(0.1)
        await put_outbox(db, 1, range(1, 6))
        started = time.monotonic()
        await eventually(lambda: outbox_size_is(db, 0))
        waited = time.monotonic() - started
        assert await seqs(feed, 1) == [5, 4, 3, 2, 1]
        assert waited < 3 * TIMEOUT_UNIT
    finally:
        await relay.stop()


async def flushed(relay: ActivityRelay) -> bool:
    try:
        await relay.flush(2)
    except Unavailable:
        return False
    return True


async def outbox_size_is(db: Database, size: int) -> bool:
    return await outbox_size(db) == size


async def test_concurrent_relays_store_each_entry_once(db: Database, feed: ActivityFeed) -> None:
    await put_outbox(db, 1, range(1, 301))
    replicas = [ActivityRelay(db, feed, batch_size=50) for _ in range(3)]
    await asyncio.gather(*(relay.relay_once() for relay in replicas))
    assert await seqs(feed, 1) == list(range(300, 0, -1))
    assert await outbox_size(db) == 0


async def test_feed_down_keeps_entries_and_retries(
    db: Database, mongo_stopped: MongoWireServer, mongo_feed: MongoActivityFeed
) -> None:
    await put_outbox(db, 1, range(1, 11))
    relay = ActivityRelay(db, mongo_feed, min_backoff=0.1, max_backoff=0.5)
    with pytest.raises(Unavailable):
        await relay.flush(5)
    assert await outbox_size(db) == 10
    await relay.start()
    try:
        await asyncio.sleep(1.0)  # a few failed attempts with backoff
        assert await outbox_size(db) == 10
        await asyncio.to_thread(mongo_stopped.start)
        await eventually(lambda: outbox_size_is(db, 0), timeout=15)
        assert await seqs(mongo_feed, 1) == list(range(10, 0, -1))
    finally:
        await relay.stop()


async def test_flush_times_out_as_unavailable(
    db: Database, mongo_stopped: MongoWireServer, mongo_feed: MongoActivityFeed
) -> None:
    await put_outbox(db, 1, range(1, 3))
    relay = ActivityRelay(db, mongo_feed)
    started = time.monotonic()
    with pytest.raises(Unavailable):
        await relay.flush(0.2)
    assert time.monotonic() - started < 1.0 * TIMEOUT_UNIT
    # Closing a client whose monitor is connecting to a dead server leaks that socket
    # (pymongo 4.20, PYTHON-5867): let it find the server before the fixture closes it.
    await asyncio.to_thread(mongo_stopped.start)
    await eventually(lambda: flushed(relay))


# The whole app with MongoDB as its activity feed.


@pytest.fixture
async def mongo_app(database_url: str, mongo_server: MongoWireServer) -> AsyncIterator[FastAPI]:
    settings = make_settings(database_url, mongodb_uri=mongo_server.url, mongodb_database=MONGO_DB)
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def mongo_client(mongo_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=mongo_app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://taskflow.test") as http:
        yield http


async def _signed_in(app: FastAPI) -> dict[str, str]:
    from tests.routes.conftest import quick_account

    return (await quick_account(app)).headers


async def _activity(client: httpx.AsyncClient, board_id: int, headers: dict[str, str]) -> Any:
    return await client.get(f"/api/boards/{board_id}/activity?limit=200", headers=headers)


async def test_app_uses_mongodb_and_reports_it_in_readyz(
    mongo_client: httpx.AsyncClient, mongo_app: FastAPI
) -> None:
    assert isinstance(mongo_app.state.resources.activity_relay.feed, MongoActivityFeed)
    headers = await _signed_in(mongo_app)
    board = (await mongo_client.post("/api/boards", json={"name": "B"}, headers=headers)).json()
    task = await mongo_client.post(
        f"/api/boards/{board['id']}/tasks", json={"title": "Mongo"}, headers=headers
    )
    page = (await _activity(mongo_client, board["id"], headers)).json()
    assert [item["verb"] for item in page["items"]] == ["task.created"]
    assert page["items"][0]["target"] == {"type": "task", "id": task.json()["id"], "title": "Mongo"}
    ready = await mongo_client.get("/readyz")
    assert ready.status_code == 200 and "activity" in ready.json()["checked"]


async def test_mongodb_down_loses_nothing_and_duplicates_nothing(
    mongo_client: httpx.AsyncClient, mongo_app: FastAPI, mongo_server: MongoWireServer
) -> None:
    headers = await _signed_in(mongo_app)
    board = (await mongo_client.post("/api/boards", json={"name": "B"}, headers=headers)).json()
    url = f"/api/boards/{board['id']}/tasks"
    first = await mongo_client.post(url, json={"title": "before"}, headers=headers)
    assert (await _activity(mongo_client, board["id"], headers)).status_code == 200

    await asyncio.to_thread(mongo_server.stop)
    durations = []
    task_id = first.json()["id"]
    for i in range(30):
        started = time.monotonic()
        if i % 3 == 0:
            response = await mongo_client.post(url, json={"title": f"t{i}"}, headers=headers)
            task_id = response.json()["id"]
        else:
            response = await mongo_client.patch(
                f"/api/tasks/{task_id}", json={"title": f"t{i}"}, headers=headers
            )
        durations.append(time.monotonic() - started)
        assert response.status_code in (200, 201), response.text
    # The writes never wait for MongoDB (its client would wait whole seconds).
    assert max(durations) < 1.0 * TIMEOUT_UNIT, durations
    down = await _activity(mongo_client, board["id"], headers)
    assert down.status_code == 503 and down.json() == {"detail": "activity feed unavailable"}
    ready = await mongo_client.get("/readyz")
    assert ready.status_code == 503 and ready.json()["failing"] == ["activity"]

    await asyncio.to_thread(mongo_server.start)
    page = (await _activity(mongo_client, board["id"], headers)).json()
    # nx-27017 keeps its data in memory: what was stored before the restart is gone, and the
    # 30 changes made while it was down arrived, once each, in order.
    new = [item["seq"] for item in page["items"] if item["seq"] > 1]
    assert new == list(range(31, 1, -1))
    assert await outbox_size(mongo_app.state.resources.db) == 0
    await asyncio.sleep(1.5)  # one more poll: still nothing duplicated
    again = (await _activity(mongo_client, board["id"], headers)).json()
    assert [item["seq"] for item in again["items"] if item["seq"] > 1] == new


RESTORED = ("tasks", "board_columns", "board_events", "board_members", "boards", "activity_outbox")


async def _restore_to_before_the_board(db: Database) -> None:
    """As if the database came back from a backup taken before the first board: the board's
    rows are gone and their ids will be handed out again; the activity feed is not restored."""
    async with db.session() as tx:
        for table in RESTORED:
            await tx.execute(text(f"DELETE FROM {table}"))
            if table == "board_members":  # keyed by (board_id, user_id): no sequence
                continue
            if db.is_sqlite:
                await tx.execute(text(f"DELETE FROM sqlite_sequence WHERE name = '{table}'"))
            else:
                await tx.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), 1, false)")
                )
        await tx.commit()


@pytest.mark.parametrize("feed_kind", ["mongodb", "sql"])
async def test_after_a_restore_a_board_with_a_reused_id_shows_only_its_own_activity(
    database_url: str, mongo_server: MongoWireServer, feed_kind: str
) -> None:
    mongo = {"mongodb_uri": mongo_server.url, "mongodb_database": MONGO_DB}
    settings = make_settings(database_url, **(mongo if feed_kind == "mongodb" else {}))

    async def session(titles: list[str]) -> tuple[int, Any]:
        """One server life: a board with a task per title; the board's id and activity page."""
        application = create_app(settings)
        async with application.router.lifespan_context(application):
            transport = httpx.ASGITransport(app=application, client=("127.0.0.1", 50000))
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
                headers = await _signed_in(application)
                board = (await http.post("/api/boards", json={"name": "B"}, headers=headers)).json()
                for title in titles:
                    url = f"/api/boards/{board['id']}/tasks"
                    assert (await http.post(url, json={"title": title}, headers=headers)).is_success
                page = await _activity(http, board["id"], headers)
                assert page.status_code == 200, page.text
                return int(board["id"]), page.json()["items"]

    old_id, old_items = await session(["old 1", "old 2", "old 3"])
    assert [item["target"]["title"] for item in old_items] == ["old 3", "old 2", "old 1"]
    db = Database(database_url)
    try:
        await _restore_to_before_the_board(db)
    finally:
        await db.dispose()

    new_id, new_items = await session(["new"])

    assert new_id == old_id  # the restored database hands the same id out again
    assert [(i["seq"], i["target"]["title"]) for i in new_items] == [(1, "new")]
