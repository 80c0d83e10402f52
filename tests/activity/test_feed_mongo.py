from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, DuplicateKeyError, PyMongoError
from tests.support.activity import entry, seqs, uid

from devstack import MongoWireServer
from taskflow.activity.feed_mongo import MongoActivityFeed

DB = "taskflow_test"


@pytest.fixture
async def feed(mongo_server: MongoWireServer) -> AsyncIterator[MongoActivityFeed]:
    feed = MongoActivityFeed(mongo_server.url, DB)
    await feed.open()
    yield feed
    await feed.close()


@pytest.fixture
async def raw(mongo_server: MongoWireServer) -> AsyncIterator[AsyncCollection[dict[str, Any]]]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        mongo_server.url, serverSelectionTimeoutMS=2000
    )
    yield client[DB]["activity"]
    await client.close()


async def test_an_entry_written_twice_is_one_document(
    feed: MongoActivityFeed, raw: AsyncCollection[dict[str, Any]]
) -> None:
    """The contract (test_feed.py) sees one entry; MongoDB also stores only one document."""
    await feed.write([entry(1, 1), entry(1, 2)])

    await feed.write([entry(1, 1, title="Changed", verb="deleted"), entry(1, 2), entry(1, 3)])
    await asyncio.gather(*(feed.write([entry(1, 3, title="Race")]) for _ in range(3)))

    assert [doc["seq"] async for doc in raw.find({"board_id": 1}, sort=[("seq", 1)])] == [1, 2, 3]


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


async def test_ping_and_write_fail_fast_while_the_server_is_down(
    mongo_server: MongoWireServer,
) -> None:
    feed = MongoActivityFeed(mongo_server.url, DB)
    try:
        await feed.open()
        await feed.write([entry(1, 1)])

        await asyncio.to_thread(mongo_server.stop)
        for attempt in (feed.ping, lambda: feed.write([entry(1, 2)]), feed.ping):
            started = time.monotonic()
            with pytest.raises(PyMongoError):
                await attempt()
            assert time.monotonic() - started < 5

        # Also keeps close() away from pymongo's monitor reconnecting to a dead server: cancelling
        # that connect leaks its socket (pymongo 4.20, PYTHON-5867) and fails the run on a warning.
        await asyncio.to_thread(mongo_server.start)
        await feed.ping()
        await feed.write([entry(1, 2)])
        assert seqs(await feed.page(uid(1), limit=10, before_seq=None)) == [2]
    finally:
        await feed.close()


async def test_open_survives_a_down_server_and_the_first_write_creates_indexes(
    mongo_stopped: MongoWireServer,
) -> None:
    feed = MongoActivityFeed(mongo_stopped.url, DB)
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        mongo_stopped.url, serverSelectionTimeoutMS=2000
    )
    try:
        started = time.monotonic()
        await feed.open()
        assert time.monotonic() - started < 5
        await feed.write([])  # nothing to store: no round trip, no error

        await asyncio.to_thread(mongo_stopped.start)
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
