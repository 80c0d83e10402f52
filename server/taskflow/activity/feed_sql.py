"""The activity feed in the SQL database (`activity_entries`), used when MongoDB is not set."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from taskflow.activity.feed import ActivityEntry, Actor, Target
from taskflow.database import Database
from taskflow.models import ActivityRecord


class SqlActivityFeed:
    """Stores entries idempotently by `(board_uid, seq)`: writing one twice keeps exactly one."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def open(self) -> None:
        """Nothing to prepare: the table comes with the schema migrations."""

    async def close(self) -> None:
        """Nothing to release: the database belongs to the lifespan."""

    async def ping(self) -> None:
        await self._db.ping()

    async def write(self, entries: Sequence[ActivityEntry]) -> None:
        if not entries:
            return
        async with self._db.session() as tx:
            await tx.execute(self._insert_ignoring_duplicates([_row(e) for e in entries]))
            await tx.commit()

    async def page(
        self, board_uid: str, *, limit: int, before_seq: int | None
    ) -> list[ActivityEntry]:
        query = select(ActivityRecord).where(ActivityRecord.board_uid == board_uid)
        if before_seq is not None:
            query = query.where(ActivityRecord.seq < before_seq)
        query = query.order_by(ActivityRecord.seq.desc()).limit(limit)
        async with self._db.session() as tx:
            records = (await tx.execute(query)).scalars().all()
        return [_entry(record) for record in records]

    def _insert_ignoring_duplicates(self, rows: list[dict[str, Any]]) -> Insert:
        insert = sqlite_insert if self._db.is_sqlite else pg_insert
        return insert(ActivityRecord).values(rows).on_conflict_do_nothing()


def _row(entry: ActivityEntry) -> dict[str, Any]:
    return {
        "id": entry["id"],
        "board_id": entry["board_id"],
        "board_uid": entry["board_uid"],
        "seq": entry["seq"],
        "actor": dict(entry["actor"]),
        "verb": entry["verb"],
        "target": dict(entry["target"]),
        "changes": entry["changes"],
        "ts": entry["ts"],
    }


def _entry(record: ActivityRecord) -> ActivityEntry:
    actor, target = record.actor, record.target
    return ActivityEntry(
        id=record.id,
        board_id=record.board_id,
        board_uid=record.board_uid,
        seq=record.seq,
        actor=Actor(id=actor["id"], username=actor["username"]),
        verb=record.verb,
        target=Target(type=target["type"], id=target["id"], title=target.get("title")),
        changes=record.changes,
        ts=record.ts,
    )
