"""The SQL activity feed's contract, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from taskflow.activity.feed import ActivityEntry
from taskflow.activity.feed_sql import SqlActivityFeed
from taskflow.database import Database

T0 = datetime(2026, 5, 1, 12, 30, 15, 123456, tzinfo=UTC)


def uid(board_id: int) -> str:
    """A stand-in for the board's uid (the feed keys entries by it, not by the board id)."""
    return f"uid-{board_id}"


def entry(
    board_id: int, seq: int, *, entry_id: int | None = None, title: str = "Write"
) -> ActivityEntry:
    return {
        "id": entry_id if entry_id is not None else board_id * 1000 + seq,
        "board_id": board_id,
        "board_uid": uid(board_id),
        "seq": seq,
        "actor": {"id": 7, "username": "ann"},
        "verb": "task.created",
        "target": {"type": "task", "id": 40 + seq, "title": title},
        "changes": {"title": {"from": None, "to": title}},
        "ts": T0 + timedelta(seconds=seq),
    }


@pytest.fixture
async def feed(database_url: str) -> AsyncIterator[SqlActivityFeed]:
    db = Database(database_url)
    feed = SqlActivityFeed(db)
    await feed.open()
    yield feed
    await feed.close()
    await db.dispose()


async def test_round_trip_keeps_every_field(feed: SqlActivityFeed) -> None:
    stored = entry(3, 1, title='Plans "2026" \\ ✓')
    stored["changes"] = {
        "due_date": {"from": None, "to": "2026-06-01T09:00:00Z"},
        "column_id": {"from": 1, "to": 2},
    }
    await feed.write([stored])
    assert await feed.page(uid(3), limit=10, before_seq=None) == [stored]


async def test_writing_twice_keeps_one(feed: SqlActivityFeed) -> None:
    batch = [entry(1, seq) for seq in range(1, 6)]
    await feed.write(batch)
    await feed.write(batch[2:])
    await asyncio.gather(*(feed.write(batch) for _ in range(5)))
    assert [e["seq"] for e in await feed.page(uid(1), limit=50, before_seq=None)] == [5, 4, 3, 2, 1]


async def test_first_write_wins(feed: SqlActivityFeed) -> None:
    await feed.write([entry(1, 1, title="first")])
    await feed.write([entry(1, 1, title="second")])
    [kept] = await feed.page(uid(1), limit=5, before_seq=None)
    assert kept["target"]["title"] == "first"


async def test_pages_newest_first_per_board(feed: SqlActivityFeed) -> None:
    await feed.write([entry(board, seq) for board in (1, 2) for seq in range(1, 11)])
    assert [e["seq"] for e in await feed.page(uid(1), limit=3, before_seq=None)] == [10, 9, 8]
    assert [e["seq"] for e in await feed.page(uid(1), limit=3, before_seq=8)] == [7, 6, 5]
    assert [e["seq"] for e in await feed.page(uid(2), limit=20, before_seq=3)] == [2, 1]
    assert await feed.page(uid(1), limit=3, before_seq=1) == []
    assert await feed.page(uid(3), limit=3, before_seq=None) == []


async def test_ping(feed: SqlActivityFeed) -> None:
    await feed.ping()
