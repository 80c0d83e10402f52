"""Live-board commands on card details: labels, comments and checklist items.

Each handler validates `data` with the frame model /asyncapi.json publishes and calls the
service function its REST twin calls, scoped to the socket's board.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Final, TypeVar

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from taskflow.models import User
from taskflow.realtime import frames
from taskflow.schemas import (
    ChecklistItemCreate,
    ChecklistItemUpdate,
    CommentCreate,
    CommentUpdate,
    LabelCreate,
    LabelUpdate,
)
from taskflow.services import checklists, comments, labels
from taskflow.services.events import Event

Body = TypeVar("Body", bound=BaseModel)
Handler = Callable[[AsyncSession, User, int, dict[str, Any]], Awaitable[list[Event]]]


def rest_body(
    change: BaseModel, model: type[Body], *, besides: frozenset[str] = frozenset()
) -> Body:
    """The command's change without its `id` (and `besides`, e.g. a precondition), as its REST
    body (only the fields given, so a PATCH-like command tells "set to null" from "left out")."""
    given = change.model_fields_set - {"id"} - besides
    return model.model_validate(change.model_dump(include=given))


async def _label_create(
    tx: AsyncSession, actor: User, board_id: int, data: dict[str, Any]
) -> list[Event]:
    cmd = LabelCreate.model_validate(data)
    _, event = await labels.create_label(tx=tx, actor=actor, board_id=board_id, cmd=cmd)
    return [event]


async def _label_update(
    tx: AsyncSession, actor: User, board_id: int, data: dict[str, Any]
) -> list[Event]:
    change = frames.LabelChange.model_validate(data)
    _, event = await labels.update_label(
        tx=tx,
        actor=actor,
        label_id=change.id,
        cmd=rest_body(change, LabelUpdate),
        board_id=board_id,
    )
    return [event]


async def _label_delete(
    tx: AsyncSession, actor: User, board_id: int, data: dict[str, Any]
) -> list[Event]:
    named = frames.Named.model_validate(data)
    _, event = await labels.delete_label(tx=tx, actor=actor, label_id=named.id, board_id=board_id)
    return [event]


async def _comment_create(
    tx: AsyncSession, actor: User, board_id: int, data: dict[str, Any]
) -> list[Event]:
    new = frames.CommentNew.model_validate(data)
    _, event = await comments.create_comment(
        tx=tx, actor=actor, task_id=new.id, cmd=rest_body(new, CommentCreate), board_id=board_id
    )
    return [event]


async def _comment_update(
    tx: AsyncSession, actor: User, board_id: int, data: dict[str, Any]
) -> list[Event]:
    change = frames.CommentChange.model_validate(data)
    _, event = await comments.update_comment(
        tx=tx, actor=actor, comment_id=change.id, cmd=rest_body(change, CommentUpdate),
        board_id=board_id,
    )  # fmt: skip
    return [event]


async def _comment_delete(
    tx: AsyncSession, actor: User, board_id: int, data: dict[str, Any]
) -> list[Event]:
    named = frames.Named.model_validate(data)
    _, event = await comments.delete_comment(
        tx=tx, actor=actor, comment_id=named.id, board_id=board_id
    )
    return [event]


async def _comment_restore(
    tx: AsyncSession, actor: User, board_id: int, data: dict[str, Any]
) -> list[Event]:
    named = frames.Named.model_validate(data)
    _, event = await comments.restore_comment(
        tx=tx, actor=actor, comment_id=named.id, board_id=board_id
    )
    return [event]


async def _checklist_create(
    tx: AsyncSession, actor: User, board_id: int, data: dict[str, Any]
) -> list[Event]:
    new = frames.ChecklistNew.model_validate(data)
    _, events = await checklists.create_item(
        tx=tx, actor=actor, task_id=new.id, cmd=rest_body(new, ChecklistItemCreate),
        board_id=board_id,
    )  # fmt: skip
    return events


async def _checklist_update(
    tx: AsyncSession, actor: User, board_id: int, data: dict[str, Any]
) -> list[Event]:
    change = frames.ChecklistChange.model_validate(data)
    _, events = await checklists.update_item(
        tx=tx, actor=actor, item_id=change.id, cmd=rest_body(change, ChecklistItemUpdate),
        board_id=board_id,
    )  # fmt: skip
    return events


async def _checklist_delete(
    tx: AsyncSession, actor: User, board_id: int, data: dict[str, Any]
) -> list[Event]:
    named = frames.Named.model_validate(data)
    _, event = await checklists.delete_item(tx=tx, actor=actor, item_id=named.id, board_id=board_id)
    return [event]


HANDLERS: Final[dict[str, Handler]] = {
    "label.create": _label_create,
    "label.update": _label_update,
    "label.delete": _label_delete,
    "comment.create": _comment_create,
    "comment.update": _comment_update,
    "comment.delete": _comment_delete,
    "comment.restore": _comment_restore,
    "checklist.create": _checklist_create,
    "checklist.update": _checklist_update,
    "checklist.delete": _checklist_delete,
}
