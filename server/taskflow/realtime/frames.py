"""Every live-board frame as a model: what `/asyncapi.json` publishes and the tests hold frames to.

The server builds its frames in `protocol.py` (serialized once, for speed); these models are the
description of them, and the tests validate every frame they see against the published document.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, create_model

from taskflow.schemas import (
    MAX_ID,
    ChecklistItemCreate,
    ChecklistItemPublic,
    ChecklistItemUpdate,
    ColumnCreate,
    ColumnPublic,
    ColumnUpdate,
    CommentCreate,
    CommentPublic,
    CommentUpdate,
    LabelCreate,
    LabelPublic,
    LabelUpdate,
    MemberPublic,
    Name,
    TaskCreate,
    TaskPublic,
    TaskUpdate,
    UserRef,
)

Ref = str | None
REF = Field(default=None, max_length=200, description="any string; the reply repeats it")


class Frame(BaseModel):
    model_config = ConfigDict(extra="forbid")


# Event data, per event name.


class BoardData(Frame):
    """`board.updated`, `board.restored`: the board, without the caller's `role` and `seq`."""

    id: int
    name: str
    owner_id: int
    created_at: datetime
    updated_at: datetime


class BoardGone(Frame):
    id: int


class ColumnGone(Frame):
    id: int
    board_id: int


class TaskGone(Frame):
    id: int
    board_id: int
    column_id: int


class MemberGone(Frame):
    user_id: int
    username: str


class TaskKey(Frame):
    id: int
    position: str
    version: int
    updated_at: datetime


class TasksRebalanced(Frame):
    board_id: int
    column_id: int
    tasks: list[TaskKey]


class ColumnKey(Frame):
    id: int
    position: str
    updated_at: datetime


class ColumnsRebalanced(Frame):
    board_id: int
    columns: list[ColumnKey]


class LabelGone(Frame):
    id: int
    board_id: int


class CardCounters(Frame):
    """What the card shows of its comments and checklist after the change."""

    id: int
    comment_count: int
    checklist_total: int
    checklist_done: int


class CommentData(CommentPublic):
    model_config = ConfigDict(extra="forbid")

    task: CardCounters


class ChecklistItemData(ChecklistItemPublic):
    model_config = ConfigDict(extra="forbid")

    task: CardCounters


class DetailGone(Frame):
    """A deleted comment or checklist item, and its card's counters."""

    id: int
    task_id: int
    board_id: int
    task: CardCounters


class ItemKey(Frame):
    id: int
    position: str
    updated_at: datetime


class ChecklistRebalanced(Frame):
    board_id: int
    task_id: int
    items: list[ItemKey]
    task: CardCounters


EVENT_DATA: dict[str, type[BaseModel]] = {
    "board.updated": BoardData,
    "board.deleted": BoardGone,
    "board.restored": BoardData,
    "column.created": ColumnPublic,
    "column.updated": ColumnPublic,
    "column.deleted": ColumnGone,
    "column.restored": ColumnPublic,
    "task.created": TaskPublic,
    "task.updated": TaskPublic,
    "task.deleted": TaskGone,
    "task.restored": TaskPublic,
    "member.added": MemberPublic,
    "member.removed": MemberGone,
    "tasks.rebalanced": TasksRebalanced,
    "columns.rebalanced": ColumnsRebalanced,
    "label.created": LabelPublic,
    "label.updated": LabelPublic,
    "label.deleted": LabelGone,
    "comment.created": CommentData,
    "comment.updated": CommentData,
    "comment.deleted": DetailGone,
    "comment.restored": CommentData,
    "checklist.created": ChecklistItemData,
    "checklist.updated": ChecklistItemData,
    "checklist.deleted": DetailGone,
    "checklist.rebalanced": ChecklistRebalanced,
}

# Server to client.


class Hello(Frame):
    """The first frame: the board's latest `seq` at subscription, and who is here (you too)."""

    type: Literal["hello"]
    board_id: int
    seq: int
    user: UserRef
    presence: list[UserRef]


class Presence(Frame):
    """Who is connected to this board now, across all replicas; no `seq`."""

    type: Literal["presence"]
    users: list[UserRef]


class Resync(Frame):
    """Missed events cannot be delivered: reload the snapshot."""

    type: Literal["resync"]
    seq: int


class Pong(Frame):
    type: Literal["pong"]


class Expiry(Frame):
    expires_at: datetime


class Ack(Frame):
    """A command applied: `seq` and `data` of its event (`seq` null for `auth`)."""

    type: Literal["ack"]
    ref: Ref
    seq: int | None
    data: (
        TaskPublic
        | TaskGone
        | ColumnPublic
        | ColumnGone
        | Expiry
        | LabelPublic
        | LabelGone
        | CommentData
        | ChecklistItemData
        | DetailGone
    )


ErrorCode = Literal[
    "invalid", "forbidden", "not_found", "conflict", "rate_limited", "unauthorized", "unavailable"
]


class Error(Frame):
    """A command refused; nothing changed. `data` (code `conflict` on a stale precondition
    only): the current task (`version`) or column (`expected_name`)."""

    type: Literal["error"]
    ref: Ref
    code: ErrorCode
    message: str
    data: TaskPublic | ColumnPublic | None = None


# Client to server.


class TaskCreateCommand(Frame):
    type: Literal["task.create"]
    ref: Ref = REF
    data: TaskCreate


class TaskChange(TaskUpdate):
    model_config = ConfigDict(json_schema_extra={"examples": [{"id": 7, "column_id": 2}]})

    id: int = Field(ge=1, le=2**63 - 1)


class TaskUpdateCommand(Frame):
    type: Literal["task.update"]
    ref: Ref = REF
    data: TaskChange


class TaskDeletion(Frame):
    id: int = Field(ge=1, le=2**63 - 1)
    version: int | None = Field(default=None, ge=1)


class TaskDeleteCommand(Frame):
    type: Literal["task.delete"]
    ref: Ref = REF
    data: TaskDeletion


# Card details: `data.id` names the object (the task, for a comment's or an item's creation).

# Strict, as REST's path ids are by their type: "2" or true names no object.
ObjectId = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]


class Named(Frame):
    id: ObjectId


class LabelCreateCommand(Frame):
    type: Literal["label.create"]
    ref: Ref = REF
    data: LabelCreate


class LabelChange(LabelUpdate):
    model_config = ConfigDict(json_schema_extra={"examples": [{"id": 3, "color": "blue"}]})

    id: ObjectId


class LabelUpdateCommand(Frame):
    type: Literal["label.update"]
    ref: Ref = REF
    data: LabelChange


class LabelDeleteCommand(Frame):
    type: Literal["label.delete"]
    ref: Ref = REF
    data: Named


class CommentNew(CommentCreate):
    model_config = ConfigDict(json_schema_extra={"examples": [{"id": 7, "body": "Done?"}]})

    id: ObjectId = Field(description="the task's id")


class CommentCreateCommand(Frame):
    type: Literal["comment.create"]
    ref: Ref = REF
    data: CommentNew


class CommentChange(CommentUpdate):
    model_config = ConfigDict(json_schema_extra={"examples": [{"id": 4, "body": "Done."}]})

    id: ObjectId


class CommentUpdateCommand(Frame):
    type: Literal["comment.update"]
    ref: Ref = REF
    data: CommentChange


class CommentDeleteCommand(Frame):
    type: Literal["comment.delete"]
    ref: Ref = REF
    data: Named


class CommentRestoreCommand(Frame):
    type: Literal["comment.restore"]
    ref: Ref = REF
    data: Named


class ChecklistNew(ChecklistItemCreate):
    model_config = ConfigDict(json_schema_extra={"examples": [{"id": 7, "text": "Test it"}]})

    id: ObjectId = Field(description="the task's id")


class ChecklistCreateCommand(Frame):
    type: Literal["checklist.create"]
    ref: Ref = REF
    data: ChecklistNew


class ChecklistChange(ChecklistItemUpdate):
    model_config = ConfigDict(json_schema_extra={"examples": [{"id": 5, "done": True}]})

    id: ObjectId


class ChecklistUpdateCommand(Frame):
    type: Literal["checklist.update"]
    ref: Ref = REF
    data: ChecklistChange


class ChecklistDeleteCommand(Frame):
    type: Literal["checklist.delete"]
    ref: Ref = REF
    data: Named


class ColumnCreateCommand(Frame):
    """Add a column, as `POST /api/boards/{id}/columns` (`ack` data: the column)."""

    type: Literal["column.create"]
    ref: Ref = REF
    data: ColumnCreate


class ColumnChange(ColumnUpdate):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"id": 4, "name": "QA", "expected_name": "Review"}]}
    )

    id: ObjectId
    # Columns carry no version: an offline rename names what it was made against instead.
    expected_name: Name | None = Field(
        default=None,
        description="apply only if the column is still named so; else `conflict` with the column",
    )


class ColumnUpdateCommand(Frame):
    """Rename and/or move a column, as `PATCH /api/columns/{id}` (`ack` data: the column)."""

    type: Literal["column.update"]
    ref: Ref = REF
    data: ColumnChange


class ColumnDeleteCommand(Frame):
    """Delete an empty column, as `DELETE /api/columns/{id}` (`ack` data: `{"id","board_id"}`)."""

    type: Literal["column.delete"]
    ref: Ref = REF
    data: Named


class Restoring(Frame):
    id: int = Field(ge=1, le=2**63 - 1)


class TaskRestoreCommand(Frame):
    """Bring a deleted task back from the trash, at its place (`ack` data: the task)."""

    type: Literal["task.restore"]
    ref: Ref = REF
    data: Restoring


class ColumnRestoreCommand(Frame):
    """Bring a deleted column back from the trash, at its place (`ack` data: the column)."""

    type: Literal["column.restore"]
    ref: Ref = REF
    data: Restoring


class Ping(Frame):
    type: Literal["ping"]
    ref: Ref = REF


class Auth(Frame):
    """A fresh access token in band: the socket then lives until the new token's `exp`."""

    type: Literal["auth"]
    ref: Ref = REF
    token: str = Field(min_length=1, max_length=4096)


def event_model(name: str) -> type[BaseModel]:
    """The `event` frame of one event name, its `data` described exactly."""
    data: Any = EVENT_DATA[name]
    fields: dict[str, Any] = {
        "type": (Literal["event"], ...),
        "board_id": (int, ...),
        "seq": (int, ...),
        "name": (Literal[name], ...),
        "actor": (UserRef, ...),
        "data": (data, ...),
        "ts": (datetime, ...),
    }
    title = "Event" + "".join(part.title() for part in name.split("."))
    return create_model(title, __base__=Frame, **fields)


SERVER_FRAMES: list[type[BaseModel]] = [Hello, Presence, Ack, Error, Resync, Pong]
CLIENT_FRAMES: list[type[BaseModel]] = [
    TaskCreateCommand,
    TaskUpdateCommand,
    TaskDeleteCommand,
    LabelCreateCommand,
    LabelUpdateCommand,
    LabelDeleteCommand,
    CommentCreateCommand,
    CommentUpdateCommand,
    CommentDeleteCommand,
    CommentRestoreCommand,
    ChecklistCreateCommand,
    ChecklistUpdateCommand,
    ChecklistDeleteCommand,
    ColumnCreateCommand,
    ColumnUpdateCommand,
    ColumnDeleteCommand,
    TaskRestoreCommand,
    ColumnRestoreCommand,
    Ping,
    Auth,
]
