"""The board event log: every change gets the board's next `seq`, in the change's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import orjson
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from taskflow.errors import NotFound
from taskflow.models import ActivityOutbox, Board, BoardEvent, User
from taskflow.types import utcnow


@dataclass(frozen=True, slots=True)
class Event:
    """A committed-to-be board change, with its `event` frame already serialized once."""

    board_id: int
    seq: int
    name: str
    frame: str
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Activity:
    """What the activity feed says about an event."""

    verb: str
    target_type: str
    target_id: int
    target_title: str | None
    changes: dict[str, dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Retention:
    """How much of each board's log is kept: at least the last `count` events or `hours`."""

    count: int
    hours: float


async def claim_next_seq(tx: AsyncSession, board_id: int) -> int:
    """Reserve the board's next seq; the row lock it takes serializes the board's writers."""
    result = await tx.execute(
        update(Board).where(Board.id == board_id).values(seq=Board.seq + 1).returning(Board.seq)
    )
    seq = result.scalar_one_or_none()
    if seq is None:
        raise NotFound("board not found")
    return int(seq)


async def record_event(
    tx: AsyncSession,
    *,
    board_id: int,
    seq: int,
    name: str,
    actor: User,
    data: dict[str, Any],
    activity: Activity,
) -> Event:
    """Append the event and its activity-outbox entry; both commit or vanish with the change."""
    ts = utcnow()
    actor_ref = {"id": actor.id, "username": actor.username}
    frame = orjson.dumps(
        {
            "type": "event",
            "board_id": board_id,
            "seq": seq,
            "name": name,
            "actor": actor_ref,
            "data": data,
            "ts": ts.isoformat(),
        }
    ).decode()
    row = BoardEvent(board_id=board_id, seq=seq, name=name, actor_id=actor.id, frame=frame, ts=ts)
    tx.add(row)
    await tx.flush()
    board_uid = await tx.scalar(select(Board.uid).where(Board.id == board_id))
    entry = {
        "id": row.id,
        "board_id": board_id,
        "board_uid": board_uid,
        "seq": seq,
        "actor": actor_ref,
        "verb": activity.verb,
        "target": {
            "type": activity.target_type,
            "id": activity.target_id,
            "title": activity.target_title,
        },
        "changes": activity.changes,
        "ts": ts.isoformat(),
    }
    tx.add(ActivityOutbox(board_id=board_id, seq=seq, entry=entry, created_at=ts))
    return Event(board_id=board_id, seq=seq, name=name, frame=frame, data=data)


async def prune_events(tx: AsyncSession, *, retention: Retention) -> int:
    """Drop every board's events that are both beyond its last `count` and older than `hours`."""
    head = select(Board.seq).where(Board.id == BoardEvent.board_id).scalar_subquery()
    result = await tx.execute(
        delete(BoardEvent).where(
            BoardEvent.seq <= head - retention.count,
            BoardEvent.ts < utcnow() - timedelta(hours=retention.hours),
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def read_frames(
    tx: AsyncSession, *, board_id: int, after_seq: int, upto_seq: int | None = None
) -> list[tuple[int, str]]:
    """(seq, frame) of the board's kept events with after_seq < seq <= upto_seq, in order."""
    query = select(BoardEvent.seq, BoardEvent.frame).where(
        BoardEvent.board_id == board_id, BoardEvent.seq > after_seq
    )
    if upto_seq is not None:
        query = query.where(BoardEvent.seq <= upto_seq)
    rows = await tx.execute(query.order_by(BoardEvent.seq))
    return [(int(seq), frame) for seq, frame in rows.all()]


async def oldest_kept_seq(tx: AsyncSession, *, board_id: int) -> int | None:
    result = await tx.execute(
        select(BoardEvent.seq)
        .where(BoardEvent.board_id == board_id)
        .order_by(BoardEvent.seq)
        .limit(1)
    )
    seq = result.scalar_one_or_none()
    return None if seq is None else int(seq)
