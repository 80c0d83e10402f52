"""Columns: add to a board, rename or reorder, delete when empty."""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from fastapi.responses import JSONResponse

from taskflow.schemas import ColumnCreate, ColumnPublic, ColumnUpdate, PathId
from taskflow.services import columns
from taskflow.web.answers import A_CHANGE, A_WRITE, answers, links
from taskflow.web.deps import CommitDep, CurrentUser, SessionDep
from taskflow.web.idempotency import IdempotencyDep

router = APIRouter(prefix="/api", tags=["columns"])


@router.post(
    "/boards/{board_id}/columns",
    status_code=status.HTTP_201_CREATED,
    response_model=ColumnPublic,
    responses={
        **answers(*A_CHANGE),
        **links(
            201,
            {op: {"column_id": "$response.body#/id"} for op in ("update_column", "delete_column")},
        ),
    },
)
async def create_column(
    board_id: PathId,
    body: ColumnCreate,
    user: CurrentUser,
    session: SessionDep,
    commit: CommitDep,
    retry: IdempotencyDep,
) -> ColumnPublic | JSONResponse:
    if (replayed := await retry.replay()) is not None:
        return replayed
    column, events = await columns.create_column(
        tx=session, actor=user, board_id=board_id, cmd=body
    )
    public = ColumnPublic.model_validate(column)
    await retry.remember(status.HTTP_201_CREATED, public)
    await commit(session, *events)
    return public


@router.patch("/columns/{column_id}", response_model=ColumnPublic, responses=answers(*A_CHANGE))
async def update_column(
    column_id: PathId, body: ColumnUpdate, user: CurrentUser, session: SessionDep, commit: CommitDep
) -> ColumnPublic:
    column, events = await columns.update_column(
        tx=session, actor=user, column_id=column_id, cmd=body
    )
    await commit(session, *events)
    return ColumnPublic.model_validate(column)


@router.delete(
    "/columns/{column_id}", status_code=status.HTTP_204_NO_CONTENT, responses=answers(*A_WRITE)
)
async def delete_column(
    column_id: PathId, user: CurrentUser, session: SessionDep, commit: CommitDep
) -> Response:
    _, event = await columns.delete_column(tx=session, actor=user, column_id=column_id)
    await commit(session, event)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
