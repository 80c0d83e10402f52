"""The board event log: every change gets the board's next `seq`, in the change's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

import orjson
from sqlalchemy import ColumnElement, Table, delete, exists, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from taskflow.errors import NotFound
from taskflow.models import ActivityOutbox, Board, BoardEvent, Member, Task, User
from taskflow.types import utcnow

# The tables themselves: Core inserts skip the ORM's unit of work on the hottest path.
_EVENTS = cast(Table, BoardEvent.__table__)
_OUTBOX = cast(Table, ActivityOutbox.__table__)


@dataclass(frozen=True, slots=True)
class Event:
    """A committed-to-be board change, with its `event` frame already serialized once."""

    board_id: int
    seq: int
    name: str
    frame: str
    data: dict[str, Any]


def parse_event(board_id: int, frame: str, seq: int | None = None) -> Event:
    """The event an `event` frame carries, at `seq` if the log says where it stands."""
    parsed = orjson.loads(frame)
    seq = int(parsed["seq"]) if seq is None else seq
    return Event(
        board_id=board_id,
        seq=seq,
        name=str(parsed["name"]),
        frame=frame,
        data=parsed.get("data") or {},
    )


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


@dataclass(frozen=True, slots=True)
class Claim:
    """A board locked for one writer, with the seq it reserved."""

    board_id: int
    seq: int
    board_uid: str


async def claim_seq_if_member(
    tx: AsyncSession,
    *,
    user_id: int,
    roles: frozenset[str],
    board_id: int | None = None,
    task_id: int | None = None,
) -> Claim | None:
    """Reserve the next seq of a board (given, or the task's) on which the user holds one of `roles`.

    One statement: the row lock is taken only when the board exists and the user holds the
    role, so strangers never queue on a board's lock. None when any of that is not so; the
    caller finds out which (and checks the role again under the lock, where it counts).
    """
    conditions: list[ColumnElement[bool]] = [
        exists().where(
            Member.board_id == Board.id, Member.user_id == user_id, Member.role.in_(roles)
        )
    ]
    if board_id is not None:
        conditions.append(Board.id == board_id)
    if task_id is not None:
        conditions.append(
            Board.id == select(Task.board_id).where(Task.id == task_id).scalar_subquery()
        )
    result = await tx.execute(
        update(Board)
        .where(*conditions)
        .values(seq=Board.seq + 1)
        .returning(Board.id, Board.seq, Board.uid)
    )
    row = result.one_or_none()
    return None if row is None else Claim(board_id=int(row[0]), seq=int(row[1]), board_uid=row[2])


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
    board_uid: str | None = None,
) -> Event:
    """Append the event and its activity-outbox entry; both commit or vanish with the change.

    Core inserts: the rows are written once and never read back through the session.
    """
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
    event_id = await tx.scalar(
        insert(_EVENTS)
        .values(board_id=board_id, seq=seq, name=name, actor_id=actor.id, frame=frame, ts=ts)
        .returning(_EVENTS.c.id)
    )
    if board_uid is None:
        board_uid = await tx.scalar(select(Board.uid).where(Board.id == board_id))
    entry = {
        "id": event_id,
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
    await tx.execute(insert(_OUTBOX).values(board_id=board_id, seq=seq, entry=entry, created_at=ts))
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
