"""Checklist items of a task: list in order, add (placed), edit, tick or move, delete."""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from fastapi.responses import JSONResponse

from taskflow.schemas import (
    ChecklistItemCreate,
    ChecklistItemPublic,
    ChecklistItemUpdate,
    PathId,
)
from taskflow.services import checklists
from taskflow.web.answers import A_CHANGE, A_WRITE, ON_A_BOARD, answers, links
from taskflow.web.deps import CommitDep, CurrentUser, SessionDep
from taskflow.web.idempotency import IdempotencyDep

router = APIRouter(prefix="/api", tags=["checklists"])


@router.get(
    "/tasks/{task_id}/checklist",
    response_model=list[ChecklistItemPublic],
    responses=answers(*ON_A_BOARD),
)
async def list_checklist(
    task_id: PathId, user: CurrentUser, session: SessionDep
) -> list[ChecklistItemPublic]:
    found = await checklists.list_items(tx=session, actor=user, task_id=task_id)
    return [ChecklistItemPublic.model_validate(item) for item in found]


@router.post(
    "/tasks/{task_id}/checklist",
    status_code=status.HTTP_201_CREATED,
    response_model=ChecklistItemPublic,
    responses={
        **answers(*A_CHANGE),
        **links(
            201,
            {
                op: {"item_id": "$response.body#/id"}
                for op in ("update_checklist_item", "delete_checklist_item")
            },
        ),
    },
)
async def create_checklist_item(
    task_id: PathId,
    body: ChecklistItemCreate,
    user: CurrentUser,
    session: SessionDep,
    commit: CommitDep,
    retry: IdempotencyDep,
) -> ChecklistItemPublic | JSONResponse:
    if (replayed := await retry.replay()) is not None:
        return replayed
    item, events = await checklists.create_item(tx=session, actor=user, task_id=task_id, cmd=body)
    public = ChecklistItemPublic.model_validate(item)
    await retry.remember(status.HTTP_201_CREATED, public)
    await commit(session, *events)
    return public


@router.patch(
    "/checklist/{item_id}", response_model=ChecklistItemPublic, responses=answers(*A_CHANGE)
)
async def update_checklist_item(
    item_id: PathId,
    body: ChecklistItemUpdate,
    user: CurrentUser,
    session: SessionDep,
    commit: CommitDep,
) -> ChecklistItemPublic:
    item, events = await checklists.update_item(tx=session, actor=user, item_id=item_id, cmd=body)
    await commit(session, *events)
    return ChecklistItemPublic.model_validate(item)


@router.delete(
    "/checklist/{item_id}", status_code=status.HTTP_204_NO_CONTENT, responses=answers(*A_WRITE)
)
async def delete_checklist_item(
    item_id: PathId, user: CurrentUser, session: SessionDep, commit: CommitDep
) -> Response:
    _, event = await checklists.delete_item(tx=session, actor=user, item_id=item_id)
    await commit(session, event)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
