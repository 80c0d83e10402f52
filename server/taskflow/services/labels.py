"""Labels of a board: a name and a colour from the palette, put on and taken off its tasks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from taskflow.errors import Conflict, Invalid, NotFound
from taskflow.models import Label, Task, User
from taskflow.schemas import LabelCreate, LabelUpdate
from taskflow.services.access import READERS, WRITERS, claim_seq_as, require_role
from taskflow.services.card_payloads import label_data
from taskflow.services.events import Activity, Event, record_event
from taskflow.services.payloads import created, diff
from taskflow.types import utcnow

MISSING: Final = "label not found"
MAX_PER_BOARD: Final = 50
FIELDS: Final = ("name", "color")


async def list_labels(*, tx: AsyncSession, actor: User, board_id: int) -> list[Label]:
    """The board's labels by id (readers)."""
    await require_role(tx=tx, board_id=board_id, user=actor, allowed=READERS)
    return await board_labels(tx=tx, board_id=board_id)


async def board_labels(*, tx: AsyncSession, board_id: int) -> list[Label]:
    """The board's labels by id (no access check: callers have done it)."""
    query = select(Label).where(Label.board_id == board_id).order_by(Label.id)
    return list((await tx.execute(query)).scalars())


async def create_label(
    *, tx: AsyncSession, actor: User, board_id: int, cmd: LabelCreate
) -> tuple[Label, Event]:
    """Add a label; a name the board already has (in any case) raises Conflict."""
    seq = await claim_seq_as(tx=tx, board_id=board_id, user=actor, allowed=WRITERS)
    count = await tx.scalar(select(func.count()).where(Label.board_id == board_id))
    if (count or 0) >= MAX_PER_BOARD:
        raise Invalid(f"a board holds at most {MAX_PER_BOARD} labels")
    await _require_free_name(tx, board_id=board_id, name=cmd.name, label_id=None)
    now = utcnow()
    label = Label(board_id=board_id, name=cmd.name, color=cmd.color, created_at=now, updated_at=now)
    tx.add(label)
    await tx.flush()
    data = label_data(label)
    activity = Activity("label.created", "label", label.id, label.name, created(data, FIELDS))
    event = await record_event(
        tx, board_id=board_id, seq=seq, name="label.created", actor=actor, data=data,
        activity=activity,
    )  # fmt: skip
    return label, event


async def update_label(
    *,
    tx: AsyncSession,
    actor: User,
    label_id: int,
    cmd: LabelUpdate,
    board_id: int | None = None,
) -> tuple[Label, Event]:
    """Rename and/or recolour a label (`board_id`, when given, must be its board)."""
    label, seq = await _lock_for_write(tx, actor=actor, label_id=label_id, board_id=board_id)
    fields = cmd.model_fields_set
    if not fields:
        raise Invalid("nothing to change: give name or color")
    for name in FIELDS:
        if name in fields and getattr(cmd, name) is None:
            raise Invalid(f"{name} cannot be null")
    before = label_data(label)
    if cmd.name is not None:
        await _require_free_name(tx, board_id=label.board_id, name=cmd.name, label_id=label.id)
        label.name = cmd.name
    if cmd.color is not None:
        label.color = cmd.color
    label.updated_at = utcnow()
    await tx.flush()
    data = label_data(label)
    activity = Activity("label.updated", "label", label.id, label.name, diff(before, data, FIELDS))
    event = await record_event(
        tx, board_id=label.board_id, seq=seq, name="label.updated", actor=actor, data=data,
        activity=activity,
    )  # fmt: skip
    return label, event


async def delete_label(
    *, tx: AsyncSession, actor: User, label_id: int, board_id: int | None = None
) -> tuple[Label, Event]:
    """Delete a label and take it off every task of its board (their versions stay: clients
    drop the id on `label.deleted`)."""
    label, seq = await _lock_for_write(tx, actor=actor, label_id=label_id, board_id=board_id)
    # JSON lists cannot be searched alike on both databases; a board's tasks are few enough.
    tasks = await tx.execute(select(Task).where(Task.board_id == label.board_id))
    for task in tasks.scalars():
        if label.id in task.label_ids:
            # A new list, so the ORM sees the change (it does not track mutations inside JSON).
            task.label_ids = [i for i in task.label_ids if i != label.id]
    await tx.delete(label)
    await tx.flush()
    activity = Activity("label.deleted", "label", label.id, label.name, {})
    event = await record_event(
        tx, board_id=label.board_id, seq=seq, name="label.deleted", actor=actor,
        data={"id": label.id, "board_id": label.board_id}, activity=activity,
    )  # fmt: skip
    return label, event


async def require_labels(
    tx: AsyncSession, *, board_id: int, label_ids: Sequence[int], field: str = "label_ids"
) -> None:
    """Invalid unless `label_ids` are distinct labels of this board (`field` names them)."""
    if len(set(label_ids)) != len(label_ids):
        raise Invalid(f"{field} must not repeat a label")
    if not label_ids:
        return
    query = select(func.count()).where(Label.board_id == board_id, Label.id.in_(label_ids))
    if await tx.scalar(query) != len(label_ids):
        raise Invalid(f"{field} holds an id that is not a label of this board")


async def _require_free_name(
    tx: AsyncSession, *, board_id: int, name: str, label_id: int | None
) -> None:
    # Compared in Python: SQLite's lower() folds ASCII only, PostgreSQL's folds more.
    query = select(Label.id, Label.name).where(Label.board_id == board_id)
    for other_id, other_name in (await tx.execute(query)).all():
        if other_id != label_id and other_name.casefold() == name.casefold():
            raise Conflict("the board already has a label of that name")


async def _lock_for_write(
    tx: AsyncSession, *, actor: User, label_id: int, board_id: int | None
) -> tuple[Label, int]:
    located = await tx.scalar(select(Label.board_id).where(Label.id == label_id))
    if located is None or (board_id is not None and located != board_id):
        raise NotFound(MISSING)
    seq = await claim_seq_as(tx=tx, board_id=located, user=actor, allowed=WRITERS, missing=MISSING)
    query = select(Label).where(Label.id == label_id).execution_options(populate_existing=True)
    label = (await tx.execute(query)).scalar_one_or_none()
    if label is None:
        raise NotFound(MISSING)
    return label, seq
