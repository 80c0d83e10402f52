"""Labels: list and add on a board, rename or recolour, delete (taken off every task)."""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from fastapi.responses import JSONResponse

from taskflow.schemas import LabelCreate, LabelPublic, LabelUpdate, PathId
from taskflow.services import labels
from taskflow.web.answers import A_CHANGE, A_WRITE, ON_A_BOARD, answers, links
from taskflow.web.deps import CommitDep, CurrentUser, SessionDep
from taskflow.web.idempotency import IdempotencyDep

router = APIRouter(prefix="/api", tags=["labels"])


@router.get(
    "/boards/{board_id}/labels", response_model=list[LabelPublic], responses=answers(*ON_A_BOARD)
)
async def list_labels(
    board_id: PathId, user: CurrentUser, session: SessionDep
) -> list[LabelPublic]:
    found = await labels.list_labels(tx=session, actor=user, board_id=board_id)
    return [LabelPublic.model_validate(label) for label in found]


@router.post(
    "/boards/{board_id}/labels",
    status_code=status.HTTP_201_CREATED,
    response_model=LabelPublic,
    responses={
        **answers(*A_CHANGE),
        **links(
            201,
            {op: {"label_id": "$response.body#/id"} for op in ("update_label", "delete_label")},
        ),
    },
)
async def create_label(
    board_id: PathId,
    body: LabelCreate,
    user: CurrentUser,
    session: SessionDep,
    commit: CommitDep,
    retry: IdempotencyDep,
) -> LabelPublic | JSONResponse:
    if (replayed := await retry.replay()) is not None:
        return replayed
    label, event = await labels.create_label(tx=session, actor=user, board_id=board_id, cmd=body)
    public = LabelPublic.model_validate(label)
    await retry.remember(status.HTTP_201_CREATED, public)
    await commit(session, event)
    return public


@router.patch("/labels/{label_id}", response_model=LabelPublic, responses=answers(*A_CHANGE))
async def update_label(
    label_id: PathId, body: LabelUpdate, user: CurrentUser, session: SessionDep, commit: CommitDep
) -> LabelPublic:
    label, event = await labels.update_label(tx=session, actor=user, label_id=label_id, cmd=body)
    await commit(session, event)
    return LabelPublic.model_validate(label)


@router.delete(
    "/labels/{label_id}", status_code=status.HTTP_204_NO_CONTENT, responses=answers(*A_WRITE)
)
async def delete_label(
    label_id: PathId, user: CurrentUser, session: SessionDep, commit: CommitDep
) -> Response:
    _, event = await labels.delete_label(tx=session, actor=user, label_id=label_id)
    await commit(session, event)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
