"""Columns of a board: add, rename, reorder and delete (only when empty)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from taskflow.errors import Conflict, Invalid, NotFound, VersionConflict
from taskflow.models import Board, Column, Task, User
from taskflow.schemas import ColumnCreate, ColumnUpdate
from taskflow.services import ordering
from taskflow.services.access import WRITERS, claim_seq_as
from taskflow.services.events import Activity, Event, claim_next_seq, record_event
from taskflow.services.payloads import column_data, created, diff
from taskflow.services.trash_payloads import keep_column
from taskflow.types import utcnow

MISSING = "column not found"
DEFAULT_NAMES = ("To do", "In progress", "Done")
FIELDS = ("name", "position")


async def create_column(
    *, tx: AsyncSession, actor: User, board_id: int, cmd: ColumnCreate
) -> tuple[Column, list[Event]]:
    """Add a column, last unless before_id/after_id place it; its events, column.created last."""
    seq = await claim_seq_as(tx=tx, board_id=board_id, user=actor, allowed=WRITERS)
    placed = await _placement(
        tx, board_id=board_id, moving_id=None, before_id=cmd.before_id, after_id=cmd.after_id
    )
    events = []
    if placed.rebalanced:
        events.append(
            await rebalanced_columns(tx, actor=actor, board_id=board_id, placed=placed, seq=seq)
        )
        seq = await claim_next_seq(tx, board_id)
    now = utcnow()
    column = Column(
        board_id=board_id, name=cmd.name, position=placed.key, created_at=now, updated_at=now
    )
    tx.add(column)
    await tx.flush()
    data = column_data(column)
    activity = Activity("column.created", "column", column.id, column.name, created(data, FIELDS))
    event = await record_event(
        tx, board_id=board_id, seq=seq, name="column.created", actor=actor, data=data,
        activity=activity,
    )  # fmt: skip
    return column, [*events, event]


async def update_column(
    *,
    tx: AsyncSession,
    actor: User,
    column_id: int,
    cmd: ColumnUpdate,
    board_id: int | None = None,
    expected_name: str | None = None,
) -> tuple[Column, list[Event]]:
    """Rename and/or move a column among the board's columns; its events, column.updated last.

    `board_id`, when given, must be the column's board. Columns carry no version, so an
    `expected_name` other than the current name raises VersionConflict with the current column.
    """
    column, seq = await _lock_for_write(tx, actor=actor, column_id=column_id, board_id=board_id)
    # Checked under the board's lock: no rename can slip in between this check and the write.
    if expected_name is not None and expected_name != column.name:
        raise VersionConflict(
            f"column {column.id} was renamed: its name is not expected_name any more",
            detail=column_data(column),
        )
    if not cmd.model_fields_set:
        raise Invalid("nothing to change: give name, before_id or after_id")
    if "name" in cmd.model_fields_set and cmd.name is None:
        raise Invalid("name cannot be null")
    before = column_data(column)
    if cmd.name is not None:
        column.name = cmd.name
    events = []
    if cmd.before_id is not None or cmd.after_id is not None:
        placed = await _placement(
            tx,
            board_id=column.board_id,
            moving_id=column.id,
            before_id=cmd.before_id,
            after_id=cmd.after_id,
        )
        if placed.rebalanced:
            events.append(
                await rebalanced_columns(
                    tx, actor=actor, board_id=column.board_id, placed=placed, seq=seq
                )
            )
            seq = await claim_next_seq(tx, column.board_id)
        column.position = placed.key
    column.updated_at = utcnow()
    await tx.flush()
    data = column_data(column)
    activity = Activity(
        "column.updated", "column", column.id, column.name, diff(before, data, FIELDS)
    )
    event = await record_event(
        tx, board_id=column.board_id, seq=seq, name="column.updated", actor=actor, data=data,
        activity=activity,
    )  # fmt: skip
    return column, [*events, event]


async def delete_column(
    *, tx: AsyncSession, actor: User, column_id: int, board_id: int | None = None
) -> tuple[Column, Event]:
    """Move an empty column to the trash (`board_id`, when given, must be its board); one that
    still holds tasks raises Conflict."""
    column, seq = await _lock_for_write(tx, actor=actor, column_id=column_id, board_id=board_id)
    held = await tx.execute(select(func.count()).where(Task.column_id == column.id))
    if held.scalar_one():
        raise Conflict("the column still holds tasks: move or delete them first")
    await keep_column(tx, column=column, actor=actor)
    activity = Activity("column.deleted", "column", column.id, column.name, {})
    event = await record_event(
        tx, board_id=column.board_id, seq=seq, name="column.deleted", actor=actor,
        data={"id": column.id, "board_id": column.board_id}, activity=activity,
    )  # fmt: skip
    return column, event


async def board_columns(*, tx: AsyncSession, board_id: int) -> list[Column]:
    """The board's columns in order (no access check: callers have done it)."""
    query = select(Column).where(Column.board_id == board_id)
    return list((await tx.execute(query.order_by(Column.position, Column.id))).scalars())


def default_columns(board_id: int) -> list[Column]:
    """The columns every new board starts with (not events: the board is new)."""
    now = utcnow()
    return [
        Column(board_id=board_id, name=name, position=key, created_at=now, updated_at=now)
        for name, key in zip(DEFAULT_NAMES, ordering.first_keys(len(DEFAULT_NAMES)), strict=True)
    ]


async def _lock_for_write(
    tx: AsyncSession, *, actor: User, column_id: int, board_id: int | None
) -> tuple[Column, int]:
    located = await tx.scalar(select(Column.board_id).where(Column.id == column_id))
    # Another board's column answers as a missing one: the socket's board is all it may touch.
    if located is None or (board_id is not None and located != board_id):
        raise NotFound(MISSING)
    seq = await claim_seq_as(tx=tx, board_id=located, user=actor, allowed=WRITERS, missing=MISSING)
    query = select(Column).where(Column.id == column_id).execution_options(populate_existing=True)
    column = (await tx.execute(query)).scalar_one_or_none()
    if column is None:
        raise NotFound(MISSING)
    return column, seq


async def _placement(
    tx: AsyncSession,
    *,
    board_id: int,
    moving_id: int | None,
    before_id: int | None,
    after_id: int | None,
) -> ordering.Placement[Column]:
    if moving_id is not None and moving_id in (before_id, after_id):
        raise Invalid("a column cannot be placed next to itself")
    before = await ordering.anchor_in_board(
        tx, Column, board_id=board_id, row_id=before_id, field="before_id"
    )
    after = await ordering.anchor_in_board(
        tx, Column, board_id=board_id, row_id=after_id, field="after_id"
    )
    return await ordering.place(
        tx,
        model=Column,
        scope=Column.board_id == board_id,
        moving_id=moving_id,
        before=before,
        after=after,
    )


async def rebalanced_columns(
    tx: AsyncSession, *, actor: User, board_id: int, placed: ordering.Placement[Column], seq: int
) -> Event:
    """The `columns.rebalanced` event: every column of the board with its fresh key."""
    now = utcnow()
    for column in placed.rebalanced:
        column.updated_at = now
    await tx.flush()
    board = await tx.get_one(Board, board_id)
    fields = ("id", "position", "updated_at")
    data = {
        "board_id": board_id,
        "columns": [{f: column_data(c)[f] for f in fields} for c in placed.rebalanced],
    }
    activity = Activity("columns.rebalanced", "board", board_id, board.name, {})
    return await record_event(
        tx, board_id=board_id, seq=seq, name="columns.rebalanced", actor=actor, data=data,
        activity=activity,
    )  # fmt: skip
