"""The activity feed in MongoDB, through PyMongo's `AsyncMongoClient`.

Only operations that MongoDB 7 and the nx-27017 test server (0.8.1, SQLite-backed) both handle
correctly are used; each was checked against nx-27017. Its differences do not affect this module:
it ignores index names (it names indexes after their fields) and descending index directions (the
index still exists, and sorts honour -1), and it keeps datetimes to the millisecond as BSON does.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import UTC
from typing import Any

from pymongo import ASCENDING, DESCENDING, AsyncMongoClient, IndexModel, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, PyMongoError

from taskflow.activity.feed import ActivityEntry, entry_from_document

logger = logging.getLogger(__name__)

Document = dict[str, Any]

_DUPLICATE_KEY = 11000
_INDEXES = [
    IndexModel([("board_uid", ASCENDING), ("seq", ASCENDING)], unique=True),
    IndexModel([("board_uid", ASCENDING), ("ts", DESCENDING)]),
]
# Before 0003_board_epoch entries were unique by (board_id, seq), which a restored database repeats.
_LEGACY_INDEXES = ("board_id_1_seq_1", "board_id_1_ts_-1")


class MongoActivityFeed:
    """Stores entries idempotently by `(board_uid, seq)`: the first write of an entry wins."""

    def __init__(
        self, uri: str, database: str, collection: str = "activity", *, timeout: float = 2.0
    ) -> None:
        # Short timeouts: a MongoDB that is down must fail fast, the outbox relay retries later.
        timeout_ms = int(timeout * 1000)
        self._client: AsyncMongoClient[Document] = AsyncMongoClient(
            uri,
            tz_aware=True,
            tzinfo=UTC,
            serverSelectionTimeoutMS=timeout_ms,
            connectTimeoutMS=timeout_ms,
            socketTimeoutMS=timeout_ms * 5,
        )
        self._collection: AsyncCollection[Document] = self._client[database][collection]
        self._indexes_ready = False

    async def open(self) -> None:
        try:
            await self._ensure_indexes()
        except PyMongoError as exc:
            logger.warning("MongoDB unavailable, activity indexes deferred to first write: %s", exc)

    async def close(self) -> None:
        await self._client.close()

    async def ping(self) -> None:
        await self._client.admin.command("ping")

    async def write(self, entries: Sequence[ActivityEntry]) -> None:
        if not entries:
            return
        await self._ensure_indexes()
        ops = [
            UpdateOne(
                {"board_uid": entry["board_uid"], "seq": entry["seq"]},
                {"$setOnInsert": dict(entry)},
                upsert=True,
            )
            for entry in entries
        ]
        try:
            await self._collection.bulk_write(ops, ordered=False)
        except BulkWriteError as exc:
            # A concurrent writer inserting the same (board_uid, seq) first is success, not failure.
            details = exc.details
            errors = details.get("writeErrors", [])
            if details.get("writeConcernErrors") or any(
                error.get("code") != _DUPLICATE_KEY for error in errors
            ):
                raise

    async def page(
        self, board_uid: str, *, limit: int, before_seq: int | None
    ) -> list[ActivityEntry]:
        if limit < 1:
            return []
        query: Document = {"board_uid": board_uid}
        if before_seq is not None:
            query["seq"] = {"$lt": before_seq}
        cursor = self._collection.find(
            query, projection={"_id": False}, sort=[("seq", DESCENDING)], limit=limit
        )
        return [_entry(doc) async for doc in cursor]

    async def adopt_legacy_entries(self, board_uids: Mapping[int, str]) -> int:
        """Give entries written before 0003_board_epoch (keyed by board id alone) their board's
        uid, so an upgraded deployment keeps showing its history; returns how many changed.

        Entries of boards deleted since get a uid of their own per board id (they stay unread,
        as before): without one they would all share a missing uid and the unique
        `(board_uid, seq)` index could not be built."""
        legacy: Document = {"board_uid": {"$exists": False}}
        board_ids = {
            int(doc["board_id"])
            async for doc in self._collection.find(legacy, projection={"board_id": True})
        }
        adopted = 0
        for board_id in sorted(board_ids):
            board_uid = board_uids.get(board_id, f"deleted-board-{board_id}")
            result = await self._collection.update_many(
                {"board_id": board_id, **legacy}, {"$set": {"board_uid": board_uid}}
            )
            adopted += result.modified_count
        if adopted:
            self._indexes_ready = False  # the unique index may have failed on the legacy keys
            await self._ensure_indexes()
        return adopted

    async def _ensure_indexes(self) -> None:
        if not self._indexes_ready:
            existing = {index["name"] async for index in await self._collection.list_indexes()}
            for name in existing.intersection(_LEGACY_INDEXES):
                await self._collection.drop_index(name)
            await self._collection.create_indexes(_INDEXES)
            self._indexes_ready = True


def _entry(doc: Mapping[str, Any]) -> ActivityEntry:
    return entry_from_document(doc, ts=doc["ts"])
