"""What a deleted task or column leaves in the board's trash, and the rows it comes back as."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from taskflow.models import ChecklistItem, Column, Comment, Task, TrashItem, User
from taskflow.services.trash import keep_in_trash
from taskflow.services.trash_rows import row_from_payload, row_payload


@dataclass(frozen=True, slots=True)
class TaskRows:
    """A trashed task as unsaved rows: the task, its comments and its checklist items."""

    task: Task
    comments: list[Comment]
    checklist: list[ChecklistItem]


async def keep_task(tx: AsyncSession, *, task: Task, actor: User) -> TrashItem:
    """Keep the task with its comments and checklist items in the trash, and delete them all."""
    comments = await tx.execute(
        select(Comment).where(Comment.task_id == task.id).order_by(Comment.id)
    )
    items = await tx.execute(
        select(ChecklistItem).where(ChecklistItem.task_id == task.id).order_by(ChecklistItem.id)
    )
    payload = {
        "task": row_payload(task),
        "comments": [row_payload(comment) for comment in comments.scalars()],
        "checklist": [row_payload(item) for item in items.scalars()],
    }
    kept = await keep_in_trash(
        tx, board_id=task.board_id, kind="task", object_id=task.id, title=task.title,
        payload=payload, actor=actor,
    )  # fmt: skip
    # Children first and explicitly, as a board's deletion does: the payload holds them now.
    for model in (Comment, ChecklistItem):
        await tx.execute(delete(model).where(model.task_id == task.id))
    await tx.delete(task)
    await tx.flush()
    return kept


def task_rows(payload: dict[str, Any]) -> TaskRows:
    """The rows `keep_task` kept, as they were (ids, keys, counters and all)."""
    return TaskRows(
        task=row_from_payload(Task, payload["task"]),
        comments=[row_from_payload(Comment, c) for c in payload.get("comments", [])],
        checklist=[row_from_payload(ChecklistItem, i) for i in payload.get("checklist", [])],
    )


async def keep_column(tx: AsyncSession, *, column: Column, actor: User) -> TrashItem:
    """Keep the (empty) column in the trash and delete it."""
    kept = await keep_in_trash(
        tx, board_id=column.board_id, kind="column", object_id=column.id, title=column.name,
        payload={"column": row_payload(column)}, actor=actor,
    )  # fmt: skip
    await tx.delete(column)
    await tx.flush()
    return kept


def column_row(payload: dict[str, Any]) -> Column:
    """The column `keep_column` kept, as it was."""
    return row_from_payload(Column, payload["column"])
