"""Writing a card's details: the board locked, its next seq claimed, the card read under the lock."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from taskflow.errors import NotFound
from taskflow.models import Task, User
from taskflow.services.access import require_role_as
from taskflow.services.tasks import lock_for_write


@dataclass(frozen=True, slots=True)
class LockedTask:
    """A task read under its board's lock, with the seq its change claimed."""

    task: Task
    seq: int


async def lock_task(
    tx: AsyncSession, *, actor: User, task_id: int, board_id: int | None, missing: str
) -> LockedTask:
    """Claim the task's board's next seq as a writer; the task as it is under that lock.

    `board_id`, when given, must be the task's board (a socket's commands stay on its board).
    NotFound (`missing`) for a task on another board or on no board the actor is a member of.
    The task service's own lock, so a card and its details are locked alike.
    """
    task, claim = await lock_for_write(
        tx, actor=actor, task_id=task_id, board_id=board_id, missing=missing
    )
    return LockedTask(task, claim.seq)


async def fresh_task(tx: AsyncSession, *, task_id: int, missing: str) -> Task:
    """The task as the database has it now; NotFound (`missing`) when it is gone."""
    query = select(Task).where(Task.id == task_id).execution_options(populate_existing=True)
    task = (await tx.execute(query)).scalar_one_or_none()
    if task is None:
        raise NotFound(missing)
    return task


async def readable_task(
    tx: AsyncSession, *, actor: User, task_id: int, allowed: frozenset[str], missing: str
) -> Task:
    """The task, if the actor's role on its board is `allowed` (no lock: for reads)."""
    board_id = await tx.scalar(select(Task.board_id).where(Task.id == task_id))
    if board_id is None:
        raise NotFound(missing)
    await require_role_as(tx=tx, board_id=board_id, user=actor, allowed=allowed, missing=missing)
    return await fresh_task(tx, task_id=task_id, missing=missing)
