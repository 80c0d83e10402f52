"""Undo of a deletion: a task or column comes back from the trash with its id, at its place."""

from __future__ import annotations

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from taskflow.errors import Conflict, NotFound
from taskflow.models import Column, Label, Member, Task, TrashItem, User
from taskflow.services import ordering
from taskflow.services.access import WRITERS, claim_seq_as
from taskflow.services.columns import rebalanced_columns
from taskflow.services.events import Activity, Event, claim_next_seq, record_event
from taskflow.services.payloads import column_data, task_data
from taskflow.services.task_placement import rebalanced
from taskflow.services.trash import take_from_trash
from taskflow.services.trash_payloads import column_row, task_rows
from taskflow.types import utcnow

TASK_MISSING = "task not found in the trash"
COLUMN_MISSING = "column not found in the trash"


async def restore_task(
    *, tx: AsyncSession, actor: User, task_id: int, board_id: int | None = None
) -> tuple[Task, list[Event]]:
    """Put a trashed task back (same id, column and key, version + 1, comments and checklist
    too); its events, task.restored last. Its column gone raises Conflict."""
    seq = await _claim(tx, actor=actor, kind="task", object_id=task_id, board_id=board_id)
    item = await take_from_trash(tx, kind="task", object_id=task_id, missing=TASK_MISSING)
    rows = task_rows(item.payload)
    task = rows.task
    column = await tx.get(Column, task.column_id)
    if column is None or column.board_id != item.board_id:
        raise Conflict("the task's column is gone: restore the column first")
    events = []
    scope = Task.column_id == task.column_id
    placed = await _place(tx, model=Task, scope=scope, key=task.position)
    if placed.rebalanced:
        events.append(
            await rebalanced(tx, actor=actor, column_id=task.column_id, placed=placed, seq=seq)
        )
        seq = await claim_next_seq(tx, item.board_id)
    task.position = placed.key
    await _drop_what_left_the_board(tx, task=task)
    task.comment_count = len(rows.comments)
    task.checklist_total = len(rows.checklist)
    task.checklist_done = sum(1 for entry in rows.checklist if entry.done)
    task.version += 1
    task.updated_at = utcnow()
    tx.add(task)
    await tx.flush()
    # Authors who no longer exist: their comments stay, unsigned (as the foreign key would do).
    authors = await _existing_users(tx, {c.author_id for c in rows.comments})
    for comment in rows.comments:
        if comment.author_id not in authors:
            comment.author_id = None
    tx.add_all([*rows.comments, *rows.checklist])
    await tx.flush()
    data = task_data(task)
    activity = Activity("task.restored", "task", task.id, task.title, {})
    event = await record_event(
        tx, board_id=task.board_id, seq=seq, name="task.restored", actor=actor, data=data,
        activity=activity,
    )  # fmt: skip
    return task, [*events, event]


async def restore_column(
    *, tx: AsyncSession, actor: User, column_id: int, board_id: int | None = None
) -> tuple[Column, list[Event]]:
    """Put a trashed column back (same id, same key); its events, column.restored last."""
    seq = await _claim(tx, actor=actor, kind="column", object_id=column_id, board_id=board_id)
    item = await take_from_trash(tx, kind="column", object_id=column_id, missing=COLUMN_MISSING)
    column = column_row(item.payload)
    events = []
    placed = await _place(
        tx, model=Column, scope=Column.board_id == column.board_id, key=column.position
    )
    if placed.rebalanced:
        events.append(
            await rebalanced_columns(
                tx, actor=actor, board_id=column.board_id, placed=placed, seq=seq
            )
        )
        seq = await claim_next_seq(tx, item.board_id)
    column.position = placed.key
    column.updated_at = utcnow()
    tx.add(column)
    await tx.flush()
    data = column_data(column)
    activity = Activity("column.restored", "column", column.id, column.name, {})
    event = await record_event(
        tx, board_id=column.board_id, seq=seq, name="column.restored", actor=actor, data=data,
        activity=activity,
    )  # fmt: skip
    return column, [*events, event]


async def _claim(
    tx: AsyncSession, *, actor: User, kind: str, object_id: int, board_id: int | None
) -> int:
    """The next seq of the board the unexpired item belongs to, for a writer there.

    The item is read before the lock only to find its board; `take_from_trash` reads it again
    under the lock, so of two restores racing, the second finds nothing (404).
    """
    missing = TASK_MISSING if kind == "task" else COLUMN_MISSING
    found = await tx.execute(
        select(TrashItem.board_id).where(
            TrashItem.kind == kind,
            TrashItem.object_id == object_id,
            TrashItem.expires_at > utcnow(),
        )
    )
    located = found.scalar_one_or_none()
    if located is None or (board_id is not None and located != board_id):
        raise NotFound(missing)
    return await claim_seq_as(
        tx=tx, board_id=int(located), user=actor, allowed=WRITERS, missing=missing
    )


async def _place(
    tx: AsyncSession, *, model: type[ordering.BoardRow], scope: ColumnElement[bool], key: str
) -> ordering.Placement[ordering.BoardRow]:
    """The old key if it is free; else a fresh key right after the row that holds it now (the
    nearest neighbour before the old place), so the row comes back where it was."""
    taken = await tx.execute(select(model.id).where(scope, model.position == key).limit(1))
    if taken.first() is None:
        return ordering.Placement(key)
    query = (
        select(model)
        .where(scope, model.position <= key)
        .order_by(model.position.desc(), model.id.desc())
        .limit(1)
    )
    after = (await tx.execute(query)).scalar_one()
    return await ordering.place(
        tx, model=model, scope=scope, moving_id=None, before=None, after=after
    )


async def _drop_what_left_the_board(tx: AsyncSession, *, task: Task) -> None:
    """An assignee no longer a member and labels since deleted are not put back: the task
    may only hold what the board has now."""
    if task.assignee_id is not None:
        member = await tx.get(Member, (task.board_id, task.assignee_id))
        if member is None:
            task.assignee_id = None
    if task.label_ids:
        found = await tx.execute(
            select(Label.id).where(Label.board_id == task.board_id, Label.id.in_(task.label_ids))
        )
        kept = set(found.scalars())
        task.label_ids = [label for label in task.label_ids if label in kept]
    if task.created_by is not None and not await _existing_users(tx, {task.created_by}):
        task.created_by = None


async def _existing_users(tx: AsyncSession, ids: set[int | None]) -> set[int]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return set()
    found = await tx.execute(select(User.id).where(User.id.in_(wanted)))
    return {int(i) for i in found.scalars()}
