"""The activity feed interface: where activity entries are stored and read back, newest first."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol, TypedDict


class Actor(TypedDict):
    id: int
    username: str


class Target(TypedDict):
    type: str
    id: int
    title: str | None


class ActivityEntry(TypedDict):
    """One change as people read it; `(board_uid, seq)` identifies it, `id` is the event's id.

    Not `(board_id, seq)`: ids and seqs repeat after the database is restored from an older backup.
    """

    id: int
    board_id: int
    board_uid: str
    seq: int
    actor: Actor
    verb: str
    target: Target
    changes: dict[str, dict[str, Any]]
    ts: datetime


class ActivityFeed(Protocol):
    """Stores entries idempotently by `(board_uid, seq)`: writing an entry twice keeps exactly one."""

    async def open(self) -> None:
        """Connect lazily and prepare storage (indexes); must not fail if the store is down."""

    async def close(self) -> None: ...

    async def ping(self) -> None:
        """Raise if the store does not answer (used by /readyz)."""

    async def write(self, entries: Sequence[ActivityEntry]) -> None:
        """Store entries; raise on failure (the outbox relay retries later)."""

    async def page(
        self, board_uid: str, *, limit: int, before_seq: int | None
    ) -> list[ActivityEntry]:
        """Entries of a board with seq < before_seq (all if None), newest first, at most `limit`."""


def entry_from_document(doc: Mapping[str, Any], *, ts: datetime) -> ActivityEntry:
    """An ActivityEntry from its stored JSON-like form (outbox row, MongoDB document)."""
    actor, target = doc["actor"], doc["target"]
    return ActivityEntry(
        id=doc["id"],
        board_id=doc["board_id"],
        board_uid=doc["board_uid"],
        seq=doc["seq"],
        actor=Actor(id=actor["id"], username=actor["username"]),
        verb=doc["verb"],
        target=Target(type=target["type"], id=target["id"], title=target.get("title")),
        changes=doc["changes"],
        ts=ts,
    )
