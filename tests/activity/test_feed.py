"""One activity-feed contract, every feed: SQL on SQLite and PostgreSQL, and MongoDB."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from tests.conftest import fresh_database
from tests.support.activity import entry, seqs, uid

from devstack import MongoWireServer
from taskflow.activity.feed import ActivityEntry, ActivityFeed
from taskflow.activity.feed_mongo import MongoActivityFeed
from taskflow.activity.feed_sql import SqlActivityFeed
from taskflow.database import Database

MONGO_DB = "taskflow_test"


@pytest.fixture(params=["sqlite", "postgres", "mongodb"])
async def feed(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[ActivityFeed]:
    instance: ActivityFeed
    if request.param == "mongodb":
        server: MongoWireServer = request.getfixturevalue("mongo_server")
        instance = MongoActivityFeed(server.url, MONGO_DB)
        await instance.open()
        yield instance
        await instance.close()
        return
    db = Database(await fresh_database(request, request.param, tmp_path))
    instance = SqlActivityFeed(db)
    await instance.open()
    yield instance
    await instance.close()
    await db.dispose()


async def test_round_trip_keeps_every_field(feed: ActivityFeed) -> None:
    plain = entry(3, 1, title='Plans "2026" \\ ✓')
    plain["changes"] = {
        "due_date": {"from": None, "to": "2026-06-01T09:00:00Z"},
        "column_id": {"from": 1, "to": 2},
    }
    odd: ActivityEntry = {
        "id": 91,
        "board_id": 4,
        "board_uid": uid(4),
        "seq": 2**40,
        "actor": {"id": 2**35, "username": "zoë.o-k"},
        "verb": "updated",
        "target": {"type": "board", "id": 4, "title": None},
        "changes": {
            "name": {"from": "Plans", "to": 'Plans "2026" \\ ✓'},
            "due_date": {"from": None, "to": "2026-06-01T09:00:00+00:00"},
            "position": {"from": 1.5, "to": 2},
            "archived": {"from": False, "to": True},
        },
        "ts": datetime(2026, 5, 1, 14, 0, 0, 250000, tzinfo=timezone(timedelta(hours=2))),
    }
    await feed.write([plain, odd])

    assert await feed.page(uid(3), limit=10, before_seq=None) == [plain]
    [back] = await feed.page(uid(4), limit=10, before_seq=None)
    assert back == odd
    assert "_id" not in back
    assert back["ts"].utcoffset() == timedelta(0)
    assert back["ts"] == datetime(2026, 5, 1, 12, 0, 0, 250000, tzinfo=UTC)


async def test_writing_twice_keeps_one(feed: ActivityFeed) -> None:
    batch = [entry(1, seq) for seq in range(1, 6)]
    await feed.write(batch)
    await feed.write(batch[2:])
    await asyncio.gather(*(feed.write(batch) for _ in range(5)))
    assert seqs(await feed.page(uid(1), limit=50, before_seq=None)) == [5, 4, 3, 2, 1]


async def test_first_write_wins(feed: ActivityFeed) -> None:
    await feed.write([entry(2, 1, title="first")])
    await feed.write([entry(2, 1, title="second")])
    [kept] = await feed.page(uid(2), limit=5, before_seq=None)
    assert kept["target"]["title"] == "first"

    await feed.write([entry(1, 1), entry(1, 2)])
    await feed.write([entry(1, 1, title="Changed", verb="deleted"), entry(1, 2), entry(1, 3)])
    await asyncio.gather(*(feed.write([entry(1, 3, title="Race")]) for _ in range(3)))
    assert await feed.page(uid(1), limit=10, before_seq=None) == [
        entry(1, 3),
        entry(1, 2),
        entry(1, 1),
    ]


async def test_pages_newest_first_per_board(feed: ActivityFeed) -> None:
    await feed.write([entry(board, seq) for board in (1, 2) for seq in range(1, 11)])
    assert seqs(await feed.page(uid(1), limit=3, before_seq=None)) == [10, 9, 8]
    assert seqs(await feed.page(uid(1), limit=3, before_seq=8)) == [7, 6, 5]
    assert seqs(await feed.page(uid(2), limit=20, before_seq=3)) == [2, 1]
    assert await feed.page(uid(1), limit=3, before_seq=1) == []
    assert await feed.page(uid(3), limit=3, before_seq=None) == []


async def test_pages_walk_back_by_before_seq(feed: ActivityFeed) -> None:
    await feed.write([entry(5, seq) for seq in range(1, 8)])

    first = await feed.page(uid(5), limit=3, before_seq=None)
    second = await feed.page(uid(5), limit=3, before_seq=first[-1]["seq"])
    third = await feed.page(uid(5), limit=3, before_seq=second[-1]["seq"])

    assert (seqs(first), seqs(second), seqs(third)) == ([7, 6, 5], [4, 3, 2], [1])
    assert await feed.page(uid(5), limit=3, before_seq=1) == []
    assert await feed.page(uid(5), limit=0, before_seq=None) == []


async def test_newest_first_whatever_the_write_order(feed: ActivityFeed) -> None:
    await feed.write([entry(4, seq) for seq in (3, 1, 10, 2)])
    await feed.write([entry(4, 9)])

    assert seqs(await feed.page(uid(4), limit=50, before_seq=None)) == [10, 9, 3, 2, 1]
    assert seqs(await feed.page(uid(4), limit=50, before_seq=10)) == [9, 3, 2, 1]


async def test_boards_are_isolated(feed: ActivityFeed) -> None:
    await feed.write([entry(1, 1), entry(1, 2), entry(2, 1, title="Other board")])

    assert await feed.page(uid(2), limit=10, before_seq=None) == [entry(2, 1, title="Other board")]
    assert seqs(await feed.page(uid(1), limit=10, before_seq=None)) == [2, 1]
    assert await feed.page(uid(3), limit=10, before_seq=None) == []


async def test_ping(feed: ActivityFeed) -> None:
    await feed.ping()
