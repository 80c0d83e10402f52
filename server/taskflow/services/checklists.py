"""Checklist items of a card: add, edit, tick, reorder (fractional keys, as tasks), delete.

The card's `checklist_total` and `checklist_done` change in the same transaction.
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from taskflow.errors import Invalid, NotFound
from taskflow.models import ChecklistItem, Task, User
from taskflow.schemas import ChecklistItemCreate, ChecklistItemUpdate
from taskflow.services import ordering
from taskflow.services.access import READERS
from taskflow.services.card_lock import lock_task, readable_task
from taskflow.services.card_payloads import counters, gone, item_data
from taskflow.services.events import Activity, Event, claim_next_seq, record_event
from taskflow.services.payloads import created, diff
from taskflow.types import utcnow

MISSING: Final = "checklist item not found"
TASK_MISSING: Final = "task not found"
MAX_PER_TASK: Final = 100
FIELDS: Final = ("text", "done", "position")


async def list_items(*, tx: AsyncSession, actor: User, task_id: int) -> list[ChecklistItem]:
    """The task's checklist in (position, id) order (readers)."""
    await readable_task(tx, actor=actor, task_id=task_id, allowed=READERS, missing=TASK_MISSING)
    query = select(ChecklistItem).where(ChecklistItem.task_id == task_id)
    return list(
        (await tx.execute(query.order_by(ChecklistItem.position, ChecklistItem.id))).scalars()
    )


async def create_item(
    *,
    tx: AsyncSession,
    actor: User,
    task_id: int,
    cmd: ChecklistItemCreate,
    board_id: int | None = None,
) -> tuple[ChecklistItem, list[Event]]:
    """Add an item, last unless before_id/after_id place it; its events, checklist.created last."""
    locked = await lock_task(
        tx, actor=actor, task_id=task_id, board_id=board_id, missing=TASK_MISSING
    )
    task, seq = locked.task, locked.seq
    count = await tx.scalar(select(func.count()).where(ChecklistItem.task_id == task.id))
    if (count or 0) >= MAX_PER_TASK:
        raise Invalid(f"a task holds at most {MAX_PER_TASK} checklist items")
    placed = await _placement(
        tx, task=task, moving_id=None, before_id=cmd.before_id, after_id=cmd.after_id
    )
    events = []
    if placed.rebalanced:
        events.append(await _rebalanced(tx, actor=actor, task=task, placed=placed, seq=seq))
        seq = await claim_next_seq(tx, task.board_id)
    now = utcnow()
    item = ChecklistItem(
        task_id=task.id, board_id=task.board_id, text=cmd.text, done=False, position=placed.key,
        created_at=now, updated_at=now,
    )  # fmt: skip
    tx.add(item)
    task.checklist_total += 1
    await tx.flush()
    data = item_data(item, task)
    activity = Activity(
        "checklist.created", "checklist", item.id, item.text, created(data, ("text",))
    )
    event = await record_event(
        tx, board_id=task.board_id, seq=seq, name="checklist.created", actor=actor, data=data,
        activity=activity,
    )  # fmt: skip
    return item, [*events, event]


async def update_item(
    *,
    tx: AsyncSession,
    actor: User,
    item_id: int,
    cmd: ChecklistItemUpdate,
    board_id: int | None = None,
) -> tuple[ChecklistItem, list[Event]]:
    """Edit the text, tick or untick, and/or move the item; its events, checklist.updated last."""
    item, task, seq = await _lock_for_write(tx, actor, item_id, board_id)
    fields = cmd.model_fields_set
    if not fields:
        raise Invalid("nothing to change: give text, done, before_id or after_id")
    for name in ("text", "done"):
        if name in fields and getattr(cmd, name) is None:
            raise Invalid(f"{name} cannot be null")
    before = item_data(item, task)
    if cmd.text is not None:
        item.text = cmd.text
    if cmd.done is not None and cmd.done != item.done:
        item.done = cmd.done
        task.checklist_done += 1 if cmd.done else -1
    events = []
    if cmd.before_id is not None or cmd.after_id is not None:
        placed = await _placement(
            tx, task=task, moving_id=item.id, before_id=cmd.before_id, after_id=cmd.after_id
        )
        if placed.rebalanced:
            events.append(await _rebalanced(tx, actor=actor, task=task, placed=placed, seq=seq))
            seq = await claim_next_seq(tx, task.board_id)
        item.position = placed.key
    item.updated_at = utcnow()
    await tx.flush()
    data = item_data(item, task)
    activity = Activity(
        "checklist.updated", "checklist", item.id, item.text, diff(before, data, FIELDS)
    )
    event = await record_event(
        tx, board_id=task.board_id, seq=seq, name="checklist.updated", actor=actor, data=data,
        activity=activity,
    )  # fmt: skip
    return item, [*events, event]


async def delete_item(
    *, tx: AsyncSession, actor: User, item_id: int, board_id: int | None = None
) -> tuple[ChecklistItem, Event]:
    """Delete the item for good (checklist items have no trash of their own)."""
    item, task, seq = await _lock_for_write(tx, actor, item_id, board_id)
    await tx.delete(item)
    task.checklist_total -= 1
    if item.done:
        task.checklist_done -= 1
    await tx.flush()
    activity = Activity("checklist.deleted", "checklist", item.id, item.text, {})
    event = await record_event(
        tx, board_id=task.board_id, seq=seq, name="checklist.deleted", actor=actor,
        data=gone(item, task), activity=activity,
    )  # fmt: skip
    return item, event


async def _lock_for_write(
    tx: AsyncSession, actor: User, item_id: int, board_id: int | None
) -> tuple[ChecklistItem, Task, int]:
    task_id = await tx.scalar(select(ChecklistItem.task_id).where(ChecklistItem.id == item_id))
    if task_id is None:
        raise NotFound(MISSING)
    locked = await lock_task(tx, actor=actor, task_id=task_id, board_id=board_id, missing=MISSING)
    query = (
        select(ChecklistItem)
        .where(ChecklistItem.id == item_id)
        .execution_options(populate_existing=True)
    )
    item = (await tx.execute(query)).scalar_one_or_none()
    if item is None:
        raise NotFound(MISSING)
    return item, locked.task, locked.seq


async def _anchor(
    tx: AsyncSession, *, task: Task, item_id: int | None, field: str
) -> ChecklistItem | None:
    if item_id is None:
        return None
    query = (
        select(ChecklistItem)
        .where(ChecklistItem.id == item_id, ChecklistItem.task_id == task.id)
        .execution_options(populate_existing=True)
    )
    anchor = (await tx.execute(query)).scalar_one_or_none()
    if anchor is None:
        raise Invalid(f"{field} is not a checklist item of this task")
    return anchor


async def _placement(
    tx: AsyncSession,
    *,
    task: Task,
    moving_id: int | None,
    before_id: int | None,
    after_id: int | None,
) -> ordering.Placement[ChecklistItem]:
    if moving_id is not None and moving_id in (before_id, after_id):
        raise Invalid("an item cannot be placed next to itself")
    before = await _anchor(tx, task=task, item_id=before_id, field="before_id")
    after = await _anchor(tx, task=task, item_id=after_id, field="after_id")
    return await ordering.place(
        tx,
        model=ChecklistItem,
        scope=ChecklistItem.task_id == task.id,
        moving_id=moving_id,
        before=before,
        after=after,
    )


async def _rebalanced(
    tx: AsyncSession,
    *,
    actor: User,
    task: Task,
    placed: ordering.Placement[ChecklistItem],
    seq: int,
) -> Event:
    """The `checklist.rebalanced` event: every item of the task with its fresh key."""
    now = utcnow()
    for item in placed.rebalanced:
        item.updated_at = now
    await tx.flush()
    data: dict[str, Any] = {
        "board_id": task.board_id,
        "task_id": task.id,
        "items": [
            {f: public[f] for f in ("id", "position", "updated_at")}
            for public in (item_data(i, task) for i in placed.rebalanced)
        ],
        "task": counters(task),
    }
    activity = Activity("checklist.rebalanced", "task", task.id, task.title, {})
    return await record_event(
        tx, board_id=task.board_id, seq=seq, name="checklist.rebalanced", actor=actor, data=data,
        activity=activity,
    )  # fmt: skip
