"""Boards and their members."""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from fastapi.responses import JSONResponse

from taskflow.models import Board
from taskflow.schemas import (
    BoardCreate,
    BoardPublic,
    BoardSnapshot,
    BoardUpdate,
    ColumnPublic,
    LabelPublic,
    MemberAdd,
    MemberPublic,
    PathId,
    TaskPublic,
)
from taskflow.services import boards, members
from taskflow.services.access import OWNER
from taskflow.web.answers import A_CHANGE, A_WRITE, ON_A_BOARD, SIGNED_IN, answers, links
from taskflow.web.deps import CommitDep, CurrentUser, SessionDep
from taskflow.web.idempotency import IdempotencyDep

router = APIRouter(prefix="/api/boards", tags=["boards"])
# What takes a board's id: the links from a created board.
BOARD_OPERATIONS = (
    "get_board", "update_board", "delete_board", "add_member", "create_column", "list_tasks",
    "create_task", "board_activity",
)  # fmt: skip


def _public(board: Board, role: str) -> BoardPublic:
    return BoardPublic.model_validate(
        {
            "id": board.id,
            "name": board.name,
            "owner_id": board.owner_id,
            "role": role,
            "seq": board.seq,
            "created_at": board.created_at,
            "updated_at": board.updated_at,
        }
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=BoardPublic,
    responses={
        **answers(*SIGNED_IN, 400, 409, 413, 429),
        **links(201, {op: {"board_id": "$response.body#/id"} for op in BOARD_OPERATIONS}),
    },
)
async def create_board(
    body: BoardCreate, user: CurrentUser, session: SessionDep, retry: IdempotencyDep
) -> BoardPublic | JSONResponse:
    if (replayed := await retry.replay()) is not None:
        return replayed
    board = await boards.create_board(tx=session, actor=user, cmd=body)
    public = _public(board, OWNER)
    await retry.remember(status.HTTP_201_CREATED, public)
    # Not an event (seq stays 0): nobody can be subscribed to a board that did not exist.
    await session.commit()
    return public


@router.get("", response_model=list[BoardPublic], responses=answers(*SIGNED_IN))
async def list_boards(user: CurrentUser, session: SessionDep) -> list[BoardPublic]:
    return [
        _public(board, role) for board, role in await boards.list_boards(tx=session, actor=user)
    ]


@router.get("/{board_id}", response_model=BoardSnapshot, responses=answers(*ON_A_BOARD))
async def get_board(board_id: PathId, user: CurrentUser, session: SessionDep) -> BoardSnapshot:
    snap = await boards.board_snapshot(tx=session, actor=user, board_id=board_id)
    return BoardSnapshot(
        **_public(snap.board, snap.role).model_dump(),
        columns=[ColumnPublic.model_validate(c) for c in snap.columns],
        tasks=[TaskPublic.model_validate(t) for t in snap.tasks],
        members=snap.members,
        labels=[LabelPublic.model_validate(label) for label in snap.labels],
    )


@router.patch("/{board_id}", response_model=BoardPublic, responses=answers(*A_CHANGE))
async def update_board(
    board_id: PathId, body: BoardUpdate, user: CurrentUser, session: SessionDep, commit: CommitDep
) -> BoardPublic:
    board, event = await boards.update_board(tx=session, actor=user, board_id=board_id, cmd=body)
    await commit(session, event)
    return _public(board, OWNER)


@router.delete("/{board_id}", status_code=status.HTTP_204_NO_CONTENT, responses=answers(*A_WRITE))
async def delete_board(
    board_id: PathId, user: CurrentUser, session: SessionDep, commit: CommitDep
) -> Response:
    _, event = await boards.delete_board(tx=session, actor=user, board_id=board_id)
    await commit(session, event)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{board_id}/members",
    status_code=status.HTTP_201_CREATED,
    response_model=MemberPublic,
    responses={
        **answers(*A_CHANGE),
        **links(
            201,
            {
                "remove_member": {
                    "board_id": "$request.path.board_id",
                    "user_id": "$response.body#/user_id",
                }
            },
        ),
    },
)
async def add_member(
    board_id: PathId,
    body: MemberAdd,
    user: CurrentUser,
    session: SessionDep,
    commit: CommitDep,
    retry: IdempotencyDep,
) -> MemberPublic | JSONResponse:
    if (replayed := await retry.replay()) is not None:
        return replayed
    member, event = await members.add_member(tx=session, actor=user, board_id=board_id, cmd=body)
    await retry.remember(status.HTTP_201_CREATED, member)
    await commit(session, event)
    return member


@router.delete(
    "/{board_id}/members/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=answers(*A_WRITE),
)
async def remove_member(
    board_id: PathId, user_id: PathId, user: CurrentUser, session: SessionDep, commit: CommitDep
) -> Response:
    _, events = await members.remove_member(
        tx=session, actor=user, board_id=board_id, user_id=user_id
    )
    await commit(session, *events)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
