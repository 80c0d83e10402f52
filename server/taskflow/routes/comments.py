"""Comments on a task: list oldest first, add, edit (author), delete to the trash, restore."""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from fastapi.responses import JSONResponse

from taskflow.schemas import CommentCreate, CommentPublic, CommentUpdate, PathId
from taskflow.services import comments
from taskflow.web.answers import A_CHANGE, A_WRITE, ON_A_BOARD, answers, links
from taskflow.web.deps import CommitDep, CurrentUser, SessionDep
from taskflow.web.idempotency import IdempotencyDep

router = APIRouter(prefix="/api", tags=["comments"])


@router.get(
    "/tasks/{task_id}/comments",
    response_model=list[CommentPublic],
    responses=answers(*ON_A_BOARD),
)
async def list_comments(
    task_id: PathId, user: CurrentUser, session: SessionDep
) -> list[CommentPublic]:
    found = await comments.list_comments(tx=session, actor=user, task_id=task_id)
    return [CommentPublic.model_validate(comment) for comment in found]


@router.post(
    "/tasks/{task_id}/comments",
    status_code=status.HTTP_201_CREATED,
    response_model=CommentPublic,
    responses={
        **answers(*A_CHANGE),
        **links(
            201,
            {
                op: {"comment_id": "$response.body#/id"}
                for op in ("update_comment", "delete_comment", "restore_comment")
            },
        ),
    },
)
async def create_comment(
    task_id: PathId,
    body: CommentCreate,
    user: CurrentUser,
    session: SessionDep,
    commit: CommitDep,
    retry: IdempotencyDep,
) -> CommentPublic | JSONResponse:
    if (replayed := await retry.replay()) is not None:
        return replayed
    comment, event = await comments.create_comment(
        tx=session, actor=user, task_id=task_id, cmd=body
    )
    public = CommentPublic.model_validate(comment)
    await retry.remember(status.HTTP_201_CREATED, public)
    await commit(session, event)
    return public


@router.patch("/comments/{comment_id}", response_model=CommentPublic, responses=answers(*A_CHANGE))
async def update_comment(
    comment_id: PathId,
    body: CommentUpdate,
    user: CurrentUser,
    session: SessionDep,
    commit: CommitDep,
) -> CommentPublic:
    comment, event = await comments.update_comment(
        tx=session, actor=user, comment_id=comment_id, cmd=body
    )
    await commit(session, event)
    return CommentPublic.model_validate(comment)


@router.delete(
    "/comments/{comment_id}", status_code=status.HTTP_204_NO_CONTENT, responses=answers(*A_WRITE)
)
async def delete_comment(
    comment_id: PathId, user: CurrentUser, session: SessionDep, commit: CommitDep
) -> Response:
    _, event = await comments.delete_comment(tx=session, actor=user, comment_id=comment_id)
    await commit(session, event)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/comments/{comment_id}/restore", response_model=CommentPublic, responses=answers(*A_WRITE)
)
async def restore_comment(
    comment_id: PathId, user: CurrentUser, session: SessionDep, commit: CommitDep
) -> CommentPublic:
    comment, event = await comments.restore_comment(tx=session, actor=user, comment_id=comment_id)
    await commit(session, event)
    return CommentPublic.model_validate(comment)
