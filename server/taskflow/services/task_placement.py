"""Where a task goes: its column, its place between neighbours, the rebalance that makes room."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from taskflow.errors import Invalid
from taskflow.models import Column, Task, User
from taskflow.schemas import TaskUpdate
from taskflow.services import ordering
from taskflow.services.events import Activity, Event, record_event
from taskflow.services.payloads import task_data
from taskflow.types import utcnow


def is_move(task: Task, cmd: TaskUpdate) -> bool:
    if cmd.before_id is not None or cmd.after_id is not None:
        return True
    # The same column again without neighbours is not a move: the task keeps its place.
    return cmd.column_id is not None and cmd.column_id != task.column_id


async def placement(
    tx: AsyncSession,
    *,
    board_id: int,
    moving: Task | None,
    column_id: int | None,
    before_id: int | None,
    after_id: int | None,
) -> tuple[int, ordering.Placement[Task]]:
    """Target column and placement; every id must belong to the board (else Invalid)."""
    if moving is not None and moving.id in (before_id, after_id):
        raise Invalid("a task cannot be placed next to itself")
    before = await ordering.anchor_in_board(
        tx, Task, board_id=board_id, row_id=before_id, field="before_id"
    )
    after = await ordering.anchor_in_board(
        tx, Task, board_id=board_id, row_id=after_id, field="after_id"
    )
    neighbour_columns = {t.column_id for t in (before, after) if t is not None}
    if column_id is not None:
        await require_column(tx, board_id=board_id, column_id=column_id)
        if neighbour_columns - {column_id}:
            raise Invalid("before_id and after_id must be tasks of column_id")
    elif len(neighbour_columns) > 1:
        raise Invalid("before_id and after_id are in different columns")
    elif neighbour_columns:
        column_id = neighbour_columns.pop()
    else:
        column_id = await first_column(tx, board_id=board_id)
    position = await ordering.place(
        tx,
        model=Task,
        scope=Task.column_id == column_id,
        moving_id=moving.id if moving is not None else None,
        before=before,
        after=after,
    )
    return column_id, position


async def rebalanced(
    tx: AsyncSession, *, actor: User, column_id: int, placed: ordering.Placement[Task], seq: int
) -> Event:
    """The `tasks.rebalanced` event: every task of the column with its fresh key (one change each)."""
    now = utcnow()
    for task in placed.rebalanced:
        task.version += 1
        task.updated_at = now
    await tx.flush()
    column = await tx.get_one(Column, column_id)
    fields = ("id", "position", "version", "updated_at")
    data = {
        "board_id": column.board_id,
        "column_id": column_id,
        "tasks": [{f: task_data(task)[f] for f in fields} for task in placed.rebalanced],
    }
    activity = Activity("tasks.rebalanced", "column", column_id, column.name, {})
    return await record_event(
        tx, board_id=column.board_id, seq=seq, name="tasks.rebalanced", actor=actor, data=data,
        activity=activity,
    )  # fmt: skip


async def require_column(tx: AsyncSession, *, board_id: int, column_id: int) -> None:
    query = select(Column.id).where(Column.id == column_id, Column.board_id == board_id)
    if (await tx.execute(query)).scalar_one_or_none() is None:
        raise Invalid("column_id is not a column of this board")


async def first_column(tx: AsyncSession, *, board_id: int) -> int:
    query = (
        select(Column.id)
        .where(Column.board_id == board_id)
        .order_by(Column.position, Column.id)
        .limit(1)
    )
    column_id = (await tx.execute(query)).scalar_one_or_none()
    if column_id is None:
        raise Invalid("the board has no column to put the task in")
    return int(column_id)
