"""Request and response bodies: one schema per purpose, so a password hash can never be returned."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    StringConstraints,
)
from pydantic.json_schema import SkipJsonSchema

# RFC 3339, as `format: date-time` says: pydantic alone would also take a number (or a string of
# digits) as a Unix time, and a date-time without seconds.
_DATE_TIME = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$"
)


def _rfc3339(value: object) -> object:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _DATE_TIME.match(value):
        raise ValueError("must be an RFC 3339 date-time with an offset, e.g. 2026-06-01T09:30:00Z")
    return value


def _utc(moment: datetime) -> datetime:
    # Stored in UTC; a date that has no UTC equivalent (year 1 at +14:00) is invalid input.
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValueError("date-time out of range once converted to UTC") from None


# The rules are patterns, so /openapi.json states them and clients can check before sending.
# NUL: PostgreSQL cannot store it in text; refusing it everywhere keeps both databases alike.
NO_NUL = r"^[^\x00]*$"
# A name or title must show something: whitespace (ASCII, as every regex engine reads it) alone
# is refused.
SHOWS_SOMETHING = r"^[^\x00]*[^\x00\t\n\x0b\x0c\r ][^\x00]*$"
Username = Annotated[
    StrictStr, StringConstraints(min_length=3, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")
]
Password = Annotated[StrictStr, StringConstraints(min_length=8, max_length=128, pattern=NO_NUL)]
Name = Annotated[
    StrictStr, StringConstraints(min_length=1, max_length=100, pattern=SHOWS_SOMETHING)
]
Title = Annotated[
    StrictStr, StringConstraints(min_length=1, max_length=200, pattern=SHOWS_SOMETHING)
]
Description = Annotated[StrictStr, StringConstraints(max_length=10_000, pattern=NO_NUL)]
# Ids stay within what a JSON number holds exactly (and a JavaScript client reads exactly).
MAX_ID = 2**53 - 1
Id = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]
# Path and query ids arrive as text.
PathId = Annotated[int, Field(ge=1, le=MAX_ID)]
DueDate = Annotated[AwareDatetime, BeforeValidator(_rfc3339), AfterValidator(_utc)]
Role = Literal["owner", "editor", "viewer"]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# Accounts


class UserCreate(Input):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"username": "ada", "email": "ada@example.com", "password": "correct horse"}
            ]
        },
    )

    username: Username
    email: EmailStr
    password: Password


class UserPublic(Output):
    id: int
    username: str
    email: str
    created_at: datetime


class UserRef(Output):
    id: int
    username: str


class Token(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


class SessionPublic(Output):
    """A signed-in device as its owner sees it; never its refresh credential or hash."""

    id: int
    device: str
    user_agent: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    current: bool = False


# Boards


class BoardCreate(Input):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"name": "Launch"}]})

    name: Name


class BoardUpdate(Input):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"name": "Launch, week 2"}]}
    )

    name: Name


class BoardPublic(Output):
    id: int
    name: str
    owner_id: int
    role: Role
    seq: int
    created_at: datetime
    updated_at: datetime


class ColumnCreate(Input):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"name": "Review"}]})

    name: Name
    before_id: Id | None = None
    after_id: Id | None = None


class ColumnUpdate(Input):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"name": "Reviewed"}]}
    )

    name: Name | None = None
    before_id: Id | None = None
    after_id: Id | None = None


class ColumnPublic(Output):
    id: int
    board_id: int
    name: str
    position: str
    created_at: datetime
    updated_at: datetime


class MemberAdd(Input):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"username": "grace", "role": "editor"}]}
    )

    username: Username
    role: Literal["editor", "viewer"]


class MemberPublic(Output):
    user_id: int
    username: str
    role: Role
    created_at: datetime


# Tasks

MAX_LABELS_PER_TASK = 20
# Labels of the task's board, in the order they were put on; duplicates are refused by the service.
LabelIds = Annotated[list[Id], Field(max_length=MAX_LABELS_PER_TASK)]


class TaskCreate(Input):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"title": "Write the announcement", "description": "Two paragraphs"}]
        },
    )

    title: Title
    description: Description = ""
    column_id: Id | None = None
    assignee_id: Id | None = None
    due_date: DueDate | None = None
    before_id: Id | None = None
    after_id: Id | None = None
    label_ids: LabelIds = Field(default_factory=list)


class TaskUpdate(Input):
    """Any task fields; `column_id` and/or `before_id`/`after_id` make it a move."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"title": "Write the announcement", "version": 1}]},
    )

    title: Title | None = None
    description: Description | None = None
    column_id: Id | None = None
    assignee_id: Id | None = None
    due_date: DueDate | None = None
    before_id: Id | None = None
    after_id: Id | None = None
    label_ids: LabelIds | None = None
    version: Annotated[StrictInt, Field(ge=1)] | None = None


class TaskPublic(Output):
    id: int
    board_id: int
    column_id: int
    title: str
    description: str
    position: str
    assignee_id: int | None
    due_date: datetime | None
    version: int
    label_ids: list[int]
    comment_count: int
    checklist_total: int
    checklist_done: int
    created_by: int | None
    created_at: datetime
    updated_at: datetime


# Card details: labels, comments, checklists

# The fixed palette: clients map each name to colours that meet contrast in their own theme.
LabelColor = Literal["gray", "red", "orange", "yellow", "green", "teal", "blue", "purple", "pink"]
# Trimmed: " Bug " next to "Bug" would be a twin no one can tell apart.
LabelName = Annotated[
    StrictStr,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=40, pattern=SHOWS_SOMETHING),
]
CommentBody = Annotated[
    StrictStr, StringConstraints(min_length=1, max_length=5_000, pattern=SHOWS_SOMETHING)
]
ChecklistText = Annotated[
    StrictStr, StringConstraints(min_length=1, max_length=200, pattern=SHOWS_SOMETHING)
]


class LabelCreate(Input):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"name": "Bug", "color": "red"}]}
    )

    name: LabelName
    color: LabelColor = "gray"


class LabelUpdate(Input):
    # An empty change is refused (422 "nothing to change"): the document says so too.
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"name": "Defect"}], "minProperties": 1}
    )

    # Left out means unchanged; null is refused (422), so the document does not offer it.
    name: LabelName | SkipJsonSchema[None] = None
    color: LabelColor | SkipJsonSchema[None] = None


class CommentCreate(Input):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"body": "Looks good to me"}]}
    )

    body: CommentBody


class CommentUpdate(CommentCreate):
    pass


class ChecklistItemCreate(Input):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"text": "Write the tests"}]}
    )

    text: ChecklistText
    before_id: Id | None = None
    after_id: Id | None = None


class ChecklistItemUpdate(Input):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"done": True}], "minProperties": 1}
    )

    text: ChecklistText | SkipJsonSchema[None] = None
    done: StrictBool | SkipJsonSchema[None] = None
    before_id: Id | None = None
    after_id: Id | None = None


class LabelPublic(Output):
    id: int
    board_id: int
    name: str
    color: LabelColor
    created_at: datetime
    updated_at: datetime


class CommentPublic(Output):
    id: int
    task_id: int
    board_id: int
    author_id: int | None
    body: str
    created_at: datetime
    updated_at: datetime


class ChecklistItemPublic(Output):
    id: int
    task_id: int
    board_id: int
    text: str
    done: bool
    position: str
    created_at: datetime
    updated_at: datetime


class TrashItemPublic(Output):
    id: int
    board_id: int
    kind: Literal["task", "column", "comment", "board"]
    object_id: int
    title: str
    deleted_by: int | None
    deleted_at: datetime
    expires_at: datetime


class BoardSnapshot(BoardPublic):
    columns: list[ColumnPublic]
    tasks: list[TaskPublic]
    members: list[MemberPublic]
    labels: list[LabelPublic]


# Activity


class ActivityTarget(BaseModel):
    type: str
    id: int
    title: str | None


class ActivityPublic(BaseModel):
    id: int
    board_id: int
    seq: int
    actor: UserRef
    verb: str
    target: ActivityTarget
    changes: dict[str, dict[str, Any]]
    ts: datetime


class ActivityPage(BaseModel):
    items: list[ActivityPublic]
    next_cursor: str | None
