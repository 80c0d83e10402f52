from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, DuplicateKeyError, PyMongoError

from taskflow.activity.feed import ActivityEntry
from taskflow.activity.feed_mongo import MongoActivityFeed

if TYPE_CHECKING:
    from conftest import NxServer

DB = "taskflow_test"
T0 = datetime(2026, 5, 1, 12, 30, 15, 123000, tzinfo=UTC)


def uid(board_id: int) -> str:
    """A stand-in for the board's uid (the feed keys entries by it, not by the board id)."""
    return f"uid-{board_id}"


def entry(
    board_id: int, seq: int, *, title: str = "Write docs", verb: str = "created"
) -> ActivityEntry:
    return {
        "id": board_id * 1000 + seq,
        "board_id": board_id,
        "board_uid": uid(board_id),
        "seq": seq,
        "actor": {"id": 7, "username": "ann"},
        "verb": verb,
        "target": {"type": "task", "id": 40 + seq, "title": title},
        "changes": {"title": {"from": None, "to": title}},
        "ts": T0 + timedelta(seconds=seq),
    }


@pytest.fixture
async def feed(nx_server: NxServer) -> AsyncIterator[MongoActivityFeed]:
    feed = MongoActivityFeed(nx_server.uri, DB)
    await feed.open()
    yield feed
    await feed.close()


@pytest.fixture
async def raw(nx_server: NxServer) -> AsyncIterator[AsyncCollection[dict[str, Any]]]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        nx_server.uri, serverSelectionTimeoutMS=2000
    )
    yield client[DB]["activity"]
    await client.close()


def seqs(entries: list[ActivityEntry]) -> list[int]:
    return [e["seq"] for e in entries]


async def test_round_trip_keeps_every_field(feed: MongoActivityFeed) -> None:
    stored: ActivityEntry = {
        "id": 91,
        "board_id": 3,
        "board_uid": uid(3),
        "seq": 2**40,
        "actor": {"id": 2**35, "username": "zoë.o-k"},
        "verb": "updated",
        "target": {"type": "board", "id": 3, "title": None},
        "changes": {
            "name": {"from": "Plans", "to": 'Plans "2026" \\ ✓'},
            "due_date": {"from": None, "to": "2026-06-01T09:00:00+00:00"},
            "position": {"from": 1.5, "to": 2},
            "archived": {"from": False, "to": True},
        },
        "ts": datetime(2026, 5, 1, 14, 0, 0, 250000, tzinfo=timezone(timedelta(hours=2))),
    }
    await feed.write([stored])

    [back] = await feed.page(uid(3), limit=10, before_seq=None)

    assert back == stored
    assert "_id" not in back
    assert back["ts"].utcoffset() == timedelta(0)
    assert back["ts"] == datetime(2026, 5, 1, 12, 0, 0, 250000, tzinfo=UTC)


async def test_writing_twice_keeps_one_entry_and_the_first_value(
    feed: MongoActivityFeed, raw: AsyncCollection[dict[str, Any]]
) -> None:
    await feed.write([entry(1, 1), entry(1, 2)])

    await feed.write([entry(1, 1, title="Changed", verb="deleted"), entry(1, 2), entry(1, 3)])
    await asyncio.gather(*(feed.write([entry(1, 3, title="Race")]) for _ in range(3)))

    assert await feed.page(uid(1), limit=10, before_seq=None) == [
        entry(1, 3),
        entry(1, 2),
        entry(1, 1),
    ]
    assert [doc["seq"] async for doc in raw.find({"board_id": 1}, sort=[("seq", 1)])] == [1, 2, 3]


async def test_pages_walk_back_by_before_seq(feed: MongoActivityFeed) -> None:
    await feed.write([entry(5, seq) for seq in range(1, 8)])

    first = await feed.page(uid(5), limit=3, before_seq=None)
    second = await feed.page(uid(5), limit=3, before_seq=first[-1]["seq"])
    third = await feed.page(uid(5), limit=3, before_seq=second[-1]["seq"])

    assert (seqs(first), seqs(second), seqs(third)) == ([7, 6, 5], [4, 3, 2], [1])
    assert await feed.page(uid(5), limit=3, before_seq=1) == []
    assert await feed.page(uid(5), limit=0, before_seq=None) == []


async def test_newest_first_whatever_the_write_order(feed: MongoActivityFeed) -> None:
    await feed.write([entry(4, seq) for seq in (3, 1, 10, 2)])
    await feed.write([entry(4, 9)])

    assert seqs(await feed.page(uid(4), limit=50, before_seq=None)) == [10, 9, 3, 2, 1]
    assert seqs(await feed.page(uid(4), limit=50, before_seq=10)) == [9, 3, 2, 1]


async def test_boards_are_isolated(feed: MongoActivityFeed) -> None:
    await feed.write([entry(1, 1), entry(1, 2), entry(2, 1, title="Other board")])

    assert await feed.page(uid(2), limit=10, before_seq=None) == [entry(2, 1, title="Other board")]
    assert seqs(await feed.page(uid(1), limit=10, before_seq=None)) == [2, 1]
    assert await feed.page(uid(3), limit=10, before_seq=None) == []


async def test_duplicate_key_from_a_concurrent_writer_is_success(
    feed: MongoActivityFeed, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def duplicate(*args: Any, **kwargs: Any) -> None:
        raise BulkWriteError({"writeErrors": [{"index": 0, "code": 11000}]})

    async def invalid(*args: Any, **kwargs: Any) -> None:
        raise BulkWriteError(
            {"writeErrors": [{"index": 0, "code": 11000}, {"index": 1, "code": 2}]}
        )

    monkeypatch.setattr(AsyncCollection, "bulk_write", duplicate)
    await feed.write([entry(1, 1)])
    monkeypatch.setattr(AsyncCollection, "bulk_write", invalid)
    with pytest.raises(BulkWriteError):
        await feed.write([entry(1, 1), entry(1, 2)])


async def test_ping_and_write_fail_fast_while_the_server_is_down(nx_server: NxServer) -> None:
    feed = MongoActivityFeed(nx_server.uri, DB)
    try:
        await feed.open()
        await feed.write([entry(1, 1)])

        await nx_server.stop()
        for attempt in (feed.ping, lambda: feed.write([entry(1, 2)]), feed.ping):
            started = time.monotonic()
            with pytest.raises(PyMongoError):
                await attempt()
            assert time.monotonic() - started < 5

        # Also keeps close() away from pymongo's monitor reconnecting to a dead server: cancelling
        # that connect leaks its socket (pymongo 4.20, PYTHON-5867) and fails the run on a warning.
        await nx_server.start()
        await feed.ping()
        await feed.write([entry(1, 2)])
        assert seqs(await feed.page(uid(1), limit=10, before_seq=None)) == [2]
    finally:
        await feed.close()


async def test_open_survives_a_down_server_and_the_first_write_creates_indexes(
    nx_stopped: NxServer,
) -> None:
    feed = MongoActivityFeed(nx_stopped.uri, DB)
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        nx_stopped.uri, serverSelectionTimeoutMS=2000
    )
    try:
        started = time.monotonic()
        await feed.open()
        assert time.monotonic() - started < 5
        await feed.write([])  # nothing to store: no round trip, no error

        await nx_stopped.start()
        assert (("board_uid", 1), ("seq", 1)) not in await index_keys(client)
        await feed.write([entry(1, 1)])

        assert await feed.page(uid(1), limit=10, before_seq=None) == [entry(1, 1)]
        keys = await index_keys(client)
        assert keys[(("board_uid", 1), ("seq", 1))] is True
        # nx-27017 reports the descending ts key as ascending; MongoDB reports -1.
        assert any(key[0] == ("board_uid", 1) and key[1][0] == "ts" for key in keys)
        with pytest.raises(DuplicateKeyError):
            await client[DB]["activity"].insert_one({"board_uid": uid(1), "seq": 1})
    finally:
        await client.close()
        await feed.close()


async def index_keys(client: AsyncMongoClient[dict[str, Any]]) -> dict[tuple[Any, ...], bool]:
    """Each index's key, mapped to whether it is unique (nx-27017 ignores index names)."""
    indexes = await client[DB]["activity"].index_information()
    return {tuple(spec["key"]): spec.get("unique", False) for spec in indexes.values()}


async def test_entries_from_before_board_uids_join_their_board(
    feed: MongoActivityFeed, raw: AsyncCollection[dict[str, Any]]
) -> None:
    """An upgraded deployment: MongoDB holds entries keyed by board id alone (before 0003)."""
    legacy = {key: value for key, value in entry(8, 1).items() if key != "board_uid"}
    await raw.insert_one(dict(legacy))
    await raw.insert_one({**legacy, "board_id": 9, "id": 9001})  # a board deleted since
    assert await feed.page(uid(8), limit=10, before_seq=None) == []
    assert await feed.adopt_legacy_entries({8: uid(8)}) == 2
    [adopted] = await feed.page(uid(8), limit=10, before_seq=None)
    assert adopted["id"] == legacy["id"] and adopted["seq"] == 1
    assert await feed.adopt_legacy_entries({8: uid(8)}) == 0  # nothing is left to adopt
    # The deleted board's entry has a uid of its own: the same seq cannot collide on the index.
    assert await raw.count_documents({"board_id": 9, "board_uid": "deleted-board-9"}) == 1
