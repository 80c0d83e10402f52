"""The trash: what was deleted on a board (or which of the caller's boards), and restoring it."""

from __future__ import annotations

from fastapi import APIRouter, Response

from taskflow.models import TrashItem
from taskflow.schemas import BoardPublic, ColumnPublic, PathId, TaskPublic, TrashItemPublic
from taskflow.services import board_trash, restore, trash_lists
from taskflow.services.access import OWNER
from taskflow.services.payloads import board_data
from taskflow.web.answers import A_WRITE, ON_A_BOARD, SIGNED_IN, answers
from taskflow.web.deps import CommitDep, CurrentUser, SessionDep

router = APIRouter(prefix="/api", tags=["trash"])


def _items(items: list[TrashItem]) -> list[TrashItemPublic]:
    return [TrashItemPublic.model_validate(item) for item in items]


@router.get(
    "/boards/{board_id}/trash",
    response_model=list[TrashItemPublic],
    responses=answers(*ON_A_BOARD),
)
async def board_trash_items(
    board_id: PathId, user: CurrentUser, session: SessionDep
) -> list[TrashItemPublic]:
    return _items(await trash_lists.board_trash(tx=session, actor=user, board_id=board_id))


@router.post("/tasks/{task_id}/restore", response_model=TaskPublic, responses=answers(*A_WRITE))
async def restore_task(
    task_id: PathId, user: CurrentUser, session: SessionDep, commit: CommitDep, response: Response
) -> TaskPublic:
    task, events = await restore.restore_task(tx=session, actor=user, task_id=task_id)
    public = TaskPublic.model_validate(task)
    await commit(session, *events)
    response.headers["ETag"] = f'"{public.version}"'
    return public


@router.post(
    "/columns/{column_id}/restore", response_model=ColumnPublic, responses=answers(*A_WRITE)
)
async def restore_column(
    column_id: PathId, user: CurrentUser, session: SessionDep, commit: CommitDep
) -> ColumnPublic:
    column, events = await restore.restore_column(tx=session, actor=user, column_id=column_id)
    public = ColumnPublic.model_validate(column)
    await commit(session, *events)
    return public


@router.get("/trash/boards", response_model=list[TrashItemPublic], responses=answers(*SIGNED_IN))
async def deleted_boards(user: CurrentUser, session: SessionDep) -> list[TrashItemPublic]:
    return _items(await board_trash.deleted_boards(tx=session, actor=user))


@router.post("/boards/{board_id}/restore", response_model=BoardPublic, responses=answers(*A_WRITE))
async def restore_board(
    board_id: PathId, user: CurrentUser, session: SessionDep, commit: CommitDep
) -> BoardPublic:
    board, event = await board_trash.restore_board(tx=session, actor=user, board_id=board_id)
    public = BoardPublic.model_validate({**board_data(board), "role": OWNER, "seq": board.seq})
    await commit(session, event)
    return public
