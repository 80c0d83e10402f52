"""Tasks: create, edit, move and delete, with optimistic concurrency through `version`."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from taskflow.errors import Invalid, NotFound, VersionConflict
from taskflow.models import Column, Member, Task, User
from taskflow.schemas import TaskCreate, TaskUpdate
from taskflow.services.access import (
    READERS,
    WRITERS,
    check_role,
    claim_seq_as,
    member_role,
    require_role,
    require_role_as,
)
from taskflow.services.events import (
    Activity,
    Claim,
    Event,
    claim_next_seq,
    claim_seq_if_member,
    record_event,
)
from taskflow.services.labels import require_labels
from taskflow.services.payloads import created, diff, task_data
from taskflow.services.task_filter import TaskFilter
from taskflow.services.task_placement import is_move, placement, rebalanced, require_column
from taskflow.services.trash_payloads import keep_task
from taskflow.types import utcnow

MISSING = "task not found"
CREATED_FIELDS = ("title", "description", "column_id", "assignee_id", "due_date", "label_ids")
UPDATED_FIELDS = (
    "title", "description", "column_id", "position", "assignee_id", "due_date", "label_ids",
)  # fmt: skip
NOT_NULL = ("title", "description", "column_id", "label_ids")


async def create_task(
    *, tx: AsyncSession, actor: User, board_id: int, cmd: TaskCreate
) -> tuple[Task, list[Event]]:
    """Add a task (default: first column, last place); its events, task.created last."""
    seq = await claim_seq_as(tx=tx, board_id=board_id, user=actor, allowed=WRITERS)
    column_id, placed = await placement(
        tx,
        board_id=board_id,
        moving=None,
        column_id=cmd.column_id,
        before_id=cmd.before_id,
        after_id=cmd.after_id,
    )
    if cmd.assignee_id is not None:
        await _require_assignee(tx, board_id=board_id, user_id=cmd.assignee_id)
    await require_labels(tx, board_id=board_id, label_ids=cmd.label_ids)
    events = []
    if placed.rebalanced:
        events.append(
            await rebalanced(tx, actor=actor, column_id=column_id, placed=placed, seq=seq)
        )
        seq = await claim_next_seq(tx, board_id)
    now = utcnow()
    task = Task(
        board_id=board_id,
        column_id=column_id,
        title=cmd.title,
        description=cmd.description,
        position=placed.key,
        assignee_id=cmd.assignee_id,
        due_date=_utc(cmd.due_date),
        label_ids=list(cmd.label_ids),
        version=1,
        created_by=actor.id,
        created_at=now,
        updated_at=now,
    )
    tx.add(task)
    await tx.flush()
    data = task_data(task)
    activity = Activity("task.created", "task", task.id, task.title, created(data, CREATED_FIELDS))
    event = await record_event(
        tx, board_id=board_id, seq=seq, name="task.created", actor=actor, data=data,
        activity=activity,
    )  # fmt: skip
    return task, [*events, event]


async def update_task(
    *,
    tx: AsyncSession,
    actor: User,
    task_id: int,
    cmd: TaskUpdate,
    board_id: int | None = None,
    expected_version: int | None = None,
) -> tuple[Task, list[Event]]:
    """Change fields and/or move the task; its events, task.updated last.

    A stale version raises VersionConflict.
    """
    task, claim = await lock_for_write(tx, actor=actor, task_id=task_id, board_id=board_id)
    seq = claim.seq
    _check_version(task, expected_version if expected_version is not None else cmd.version)
    fields = cmd.model_fields_set - {"version"}
    if not fields:
        raise Invalid("nothing to change: give at least one task field")
    for name in NOT_NULL:
        if name in fields and getattr(cmd, name) is None:
            raise Invalid(f"{name} cannot be null")
    before = task_data(task)
    if cmd.title is not None:
        task.title = cmd.title
    if cmd.description is not None:
        task.description = cmd.description
    if "assignee_id" in fields:
        if cmd.assignee_id is not None:
            await _require_assignee(tx, board_id=task.board_id, user_id=cmd.assignee_id)
        task.assignee_id = cmd.assignee_id
    if "due_date" in fields:
        task.due_date = _utc(cmd.due_date)
    if cmd.label_ids is not None:
        await require_labels(tx, board_id=task.board_id, label_ids=cmd.label_ids)
        task.label_ids = list(cmd.label_ids)
    events = []
    if is_move(task, cmd):
        column_id, placed = await placement(
            tx,
            board_id=task.board_id,
            moving=task,
            column_id=cmd.column_id,
            before_id=cmd.before_id,
            after_id=cmd.after_id,
        )
        if placed.rebalanced:
            events.append(
                await rebalanced(tx, actor=actor, column_id=column_id, placed=placed, seq=seq)
            )
            seq = await claim_next_seq(tx, task.board_id)
        task.column_id, task.position = column_id, placed.key
    task.version += 1
    task.updated_at = utcnow()
    await tx.flush()
    data = task_data(task)
    changes = diff(before, data, UPDATED_FIELDS)
    moved = "column_id" in changes or "position" in changes
    activity = Activity(
        "task.moved" if moved else "task.updated", "task", task.id, task.title, changes
    )
    event = await record_event(
        tx, board_id=task.board_id, seq=seq, name="task.updated", actor=actor, data=data,
        activity=activity, board_uid=claim.board_uid,
    )  # fmt: skip
    return task, [*events, event]


async def delete_task(
    *,
    tx: AsyncSession,
    actor: User,
    task_id: int,
    board_id: int | None = None,
    expected_version: int | None = None,
) -> tuple[Task, Event]:
    """Move the task (with its comments and checklist) to the trash; a stale version raises
    VersionConflict."""
    task, claim = await lock_for_write(tx, actor=actor, task_id=task_id, board_id=board_id)
    _check_version(task, expected_version)
    await keep_task(tx, task=task, actor=actor)
    data = {"id": task.id, "board_id": task.board_id, "column_id": task.column_id}
    activity = Activity("task.deleted", "task", task.id, task.title, {})
    event = await record_event(
        tx, board_id=task.board_id, seq=claim.seq, name="task.deleted", actor=actor, data=data,
        activity=activity, board_uid=claim.board_uid,
    )  # fmt: skip
    return task, event


async def get_task(*, tx: AsyncSession, actor: User, task_id: int) -> Task:
    """One task of a board the actor is a member of."""
    board_id = await _board_of(tx, task_id)
    if board_id is None:
        raise NotFound(MISSING)
    await require_role_as(tx=tx, board_id=board_id, user=actor, allowed=READERS, missing=MISSING)
    return await _fresh(tx, task_id)


async def list_tasks(
    *,
    tx: AsyncSession,
    actor: User,
    board_id: int,
    column_id: int | None = None,
    filters: TaskFilter | None = None,
) -> list[Task]:
    """The board's tasks (or one column's) in board order: columns in order, then tasks.

    `filters` keeps only the tasks that match all of its parts.
    """
    await require_role(tx=tx, board_id=board_id, user=actor, allowed=READERS)
    query = (
        select(Task)
        .join(Column, Column.id == Task.column_id)
        .where(Task.board_id == board_id)
        .order_by(Column.position, Column.id, Task.position, Task.id)
    )
    if column_id is not None:
        await require_column(tx, board_id=board_id, column_id=column_id)
        query = query.where(Task.column_id == column_id)
    if filters is None:
        return list((await tx.execute(query)).scalars())
    if filters.assignee_id is not None:
        query = query.where(Task.assignee_id == filters.assignee_id)
    if filters.label_ids:
        await require_labels(
            tx, board_id=board_id, label_ids=sorted(set(filters.label_ids)), field="label"
        )
    return [task for task in (await tx.execute(query)).scalars() if filters.matches(task)]


async def lock_for_write(
    tx: AsyncSession,
    *,
    actor: User,
    task_id: int,
    board_id: int | None,
    missing: str = MISSING,
) -> tuple[Task, Claim]:
    """Lock the task's board and claim its next seq; the task as it is under that lock.

    Changes to a task's details (comments, checklist items) lock through here too; `missing`
    is what NotFound says.

    Two statements on the way that succeeds: the claim (which finds the board through the
    task and locks it only for an editor) and, under the lock, the task with the actor's role
    read again, so a writer that committed meanwhile (a membership removed, the task moved or
    deleted) is seen.
    """
    claim = await claim_seq_if_member(
        tx, user_id=actor.id, roles=WRITERS, board_id=board_id, task_id=task_id
    )
    if claim is None:
        located = await _board_of(tx, task_id)
        if located is not None and (board_id is None or located == board_id):
            await require_role_as(
                tx=tx, board_id=located, user=actor, allowed=WRITERS, missing=missing
            )
        raise NotFound(missing)
    query = (
        select(Task, Member.role)
        .outerjoin(Member, (Member.board_id == Task.board_id) & (Member.user_id == actor.id))
        .where(Task.id == task_id, Task.board_id == claim.board_id)
        .execution_options(populate_existing=True)
    )
    found = (await tx.execute(query)).one_or_none()
    if found is None:
        raise NotFound(missing)
    task, role = found
    check_role(role, WRITERS, missing=missing)
    return task, claim


async def _board_of(tx: AsyncSession, task_id: int) -> int | None:
    result = await tx.execute(select(Task.board_id).where(Task.id == task_id))
    return result.scalar_one_or_none()


async def _fresh(tx: AsyncSession, task_id: int) -> Task:
    query = select(Task).where(Task.id == task_id).execution_options(populate_existing=True)
    task = (await tx.execute(query)).scalar_one_or_none()
    if task is None:
        raise NotFound(MISSING)
    return task


def _utc(moment: datetime | None) -> datetime | None:
    # Stored in UTC anyway; converting now makes the response equal to every later read.
    # (The schema already refused dates with no UTC equivalent.)
    return None if moment is None else moment.astimezone(UTC)


def _check_version(task: Task, expected: int | None) -> None:
    if expected is not None and expected != task.version:
        raise VersionConflict(
            f"task {task.id} is at version {task.version}, not {expected}",
            detail=task_data(task),
        )


async def _require_assignee(tx: AsyncSession, *, board_id: int, user_id: int) -> None:
    if await member_role(tx=tx, board_id=board_id, user_id=user_id) is None:
        raise Invalid("assignee_id is not a member of this board")
