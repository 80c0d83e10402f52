"""Tasks: list in board order, create, read, edit or move (with If-Match), delete."""

from __future__ import annotations

import re
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Header, Query, Response, status
from fastapi.responses import JSONResponse
from pydantic import WithJsonSchema

from taskflow.errors import Invalid
from taskflow.models import Task
from taskflow.schemas import (
    MAX_LABELS_PER_TASK,
    NO_NUL,
    PathId,
    TaskCreate,
    TaskPublic,
    TaskUpdate,
)
from taskflow.services import tasks
from taskflow.services.task_filter import TaskFilter
from taskflow.web.answers import A_CHANGE, A_WRITE, ON_A_BOARD, answers, links
from taskflow.web.deps import CommitDep, CurrentUser, SessionDep
from taskflow.web.idempotency import IdempotencyDep

router = APIRouter(prefix="/api", tags=["tasks"])

_VERSION = re.compile(r'^\s*(?:"([1-9][0-9]{0,17})"|([1-9][0-9]{0,17}))\s*$')
# The header's pattern is the parser's: a value it would refuse is invalid by the document too.
IF_MATCH = r'^\s*(?:\*|"[1-9][0-9]{0,17}"|[1-9][0-9]{0,17})\s*$'
# Documented as a string alone: `str | None` would let the document allow a JSON null, which a
# client sends as the text `null` and sees refused.
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        max_length=100,
        pattern=IF_MATCH,
        description='the task version the change applies to: `"3"` (or `3`); `*` for any',
    ),
    WithJsonSchema({"type": "string", "maxLength": 100, "pattern": IF_MATCH}),
]


def expected_version(if_match: str | None) -> int | None:
    """The version an If-Match header demands: `"3"` or `3`; `*` (or no header) demands none."""
    if if_match is None or if_match.strip() == "*":
        return None
    match = _VERSION.match(if_match)
    if match is None:
        raise Invalid('If-Match must be a task version, e.g. If-Match: "3"')
    return int(match.group(1) or match.group(2))


def _json_answer(data: dict[str, Any], *, version: int) -> Response:
    return Response(
        orjson.dumps(data),
        media_type="application/json",
        headers={"ETag": f'"{version}"'},
    )


def _public(task: Task, response: Response) -> TaskPublic:
    response.headers["ETag"] = f'"{task.version}"'
    return TaskPublic.model_validate(task)


@router.get(
    "/boards/{board_id}/tasks", response_model=list[TaskPublic], responses=answers(*ON_A_BOARD)
)
async def list_tasks(
    board_id: PathId,
    user: CurrentUser,
    session: SessionDep,
    column_id: Annotated[PathId | None, Query()] = None,
    label: Annotated[
        list[PathId] | None,
        Query(max_length=MAX_LABELS_PER_TASK, description="a label id; all given must be on it"),
    ] = None,
    assignee: Annotated[PathId | None, Query(description="the assignee's user id")] = None,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=200,
            pattern=NO_NUL,
            description="text in the title or description, in any case",
        ),
    ] = None,
) -> list[TaskPublic]:
    filters = None
    if label or assignee is not None or q is not None:
        filters = TaskFilter(label_ids=tuple(label or ()), assignee_id=assignee, text=q)
    found = await tasks.list_tasks(
        tx=session, actor=user, board_id=board_id, column_id=column_id, filters=filters
    )
    return [TaskPublic.model_validate(task) for task in found]


@router.post(
    "/boards/{board_id}/tasks",
    status_code=status.HTTP_201_CREATED,
    response_model=TaskPublic,
    responses={
        **answers(*A_CHANGE),
        **links(
            201,
            {
                op: {"task_id": "$response.body#/id"}
                for op in ("get_task", "update_task", "delete_task")
            },
        ),
    },
)
async def create_task(
    board_id: PathId,
    body: TaskCreate,
    user: CurrentUser,
    session: SessionDep,
    commit: CommitDep,
    response: Response,
    retry: IdempotencyDep,
) -> TaskPublic | JSONResponse:
    if (replayed := await retry.replay()) is not None:
        return replayed
    task, events = await tasks.create_task(tx=session, actor=user, board_id=board_id, cmd=body)
    public = _public(task, response)
    await retry.remember(status.HTTP_201_CREATED, public)
    await commit(session, *events)
    return public


@router.get("/tasks/{task_id}", response_model=TaskPublic, responses=answers(*ON_A_BOARD))
async def get_task(
    task_id: PathId, user: CurrentUser, session: SessionDep, response: Response
) -> TaskPublic:
    return _public(await tasks.get_task(tx=session, actor=user, task_id=task_id), response)


@router.patch("/tasks/{task_id}", response_model=TaskPublic, responses=answers(*A_CHANGE, 412))
async def update_task(
    task_id: PathId,
    body: TaskUpdate,
    user: CurrentUser,
    session: SessionDep,
    commit: CommitDep,
    if_match: IfMatch = None,
) -> Response:
    task, events = await tasks.update_task(
        tx=session,
        actor=user,
        task_id=task_id,
        cmd=body,
        expected_version=expected_version(if_match),
    )
    await commit(session, *events)
    # The event already holds the task as TaskPublic JSON: send it as is, serialized once.
    return _json_answer(events[-1].data, version=task.version)


@router.delete(
    "/tasks/{task_id}", status_code=status.HTTP_204_NO_CONTENT, responses=answers(*A_WRITE, 412)
)
async def delete_task(
    task_id: PathId,
    user: CurrentUser,
    session: SessionDep,
    commit: CommitDep,
    if_match: IfMatch = None,
) -> Response:
    _, event = await tasks.delete_task(
        tx=session, actor=user, task_id=task_id, expected_version=expected_version(if_match)
    )
    await commit(session, event)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
