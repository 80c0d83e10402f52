"""A board's activity feed, newest first, paged with opaque cursors."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from taskflow.activity.cursor import decode, read_page
from taskflow.schemas import ActivityPage, ActivityPublic, PathId
from taskflow.services import boards
from taskflow.services.access import READERS, require_role
from taskflow.web.answers import ON_A_BOARD, answers
from taskflow.web.deps import CurrentUser, SessionDep
from taskflow.web.state import app_state

router = APIRouter(prefix="/api", tags=["activity"])

# Long enough for a MongoDB that just came back; short enough to answer 503 while it is down.
FLUSH_TIMEOUT = 5.0


@router.get(
    "/boards/{board_id}/activity", response_model=ActivityPage, responses=answers(*ON_A_BOARD)
)
async def board_activity(
    board_id: PathId,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before: Annotated[str | None, Query(max_length=100)] = None,
) -> ActivityPage:
    await require_role(tx=session, board_id=board_id, user=user, allowed=READERS)
    board_uid = await boards.board_uid(tx=session, board_id=board_id)
    before_seq = decode(before) if before is not None else None
    # End the read transaction first: on SQLite it holds the lock the relay needs.
    await session.commit()
    relay = app_state(request.app).activity_relay
    # Read-your-writes: what this caller (or anyone) committed so far is in the feed first.
    await relay.flush(FLUSH_TIMEOUT)
    page = await read_page(relay.feed, board_uid=board_uid, limit=limit, before_seq=before_seq)
    return ActivityPage(
        items=[ActivityPublic.model_validate(entry) for entry in page.items],
        next_cursor=page.next_cursor,
    )
