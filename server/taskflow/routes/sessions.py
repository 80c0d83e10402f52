"""Sessions: refresh (rotating the cookie), sign out here or everywhere, list and revoke."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Cookie, Request, Response, status

from taskflow.errors import Unauthorized
from taskflow.schemas import PathId, SessionPublic, Token
from taskflow.security import verify_token
from taskflow.services import sessions
from taskflow.services.devices import device_of
from taskflow.web.answers import SIGNED_IN, answers
from taskflow.web.deps import AccessToken, CurrentUser, SessionDep, SettingsDep
from taskflow.web.session_cookie import (
    REFRESH_COOKIE,
    answer,
    clear_refresh_cookie,
    client_address,
    lifetimes,
    user_agent,
)
from taskflow.web.state import app_state

router = APIRouter(prefix="/api/auth", tags=["sessions"])


async def _close_sockets(request: Request, user_id: int, session_ids: list[int]) -> None:
    """Live sockets of ended sessions close with 4401, on this replica and every other."""
    if session_ids:
        hub = app_state(request.app).hub
        await hub.end_sessions(user_id=user_id, session_ids=session_ids)


# No length limit in the schema: a cookie the server cannot parse arrives as no cookie at all.
RefreshCookie = Annotated[str | None, Cookie(alias=REFRESH_COOKIE)]


# 409: two refreshes of one credential at the same moment on PostgreSQL; one of them wins.
@router.post("/refresh", response_model=Token, responses=answers(401, 409, 422, 429, 503))
async def refresh(
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    credential: RefreshCookie = None,
) -> Token:
    if not credential:  # a signed-out tab asking: nothing guessed, nothing counted
        raise Unauthorized("no session")
    limiter = app_state(request.app).login_limiter
    address = client_address(request)
    await limiter.attempt_session(address=address)
    try:
        _, started = await sessions.rotate(
            tx=session,
            secret=credential,
            user_agent=user_agent(request),
            lifetimes=lifetimes(settings),
        )
    except sessions.Replayed as replayed:
        await _close_sockets(request, replayed.user_id, [replayed.session_id])
        raise
    await session.commit()
    await limiter.session_succeeded(address=address)
    return answer(request, response, started, settings)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, responses=answers(422, 429, 503))
async def logout(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    credential: RefreshCookie = None,
) -> Response:
    """Ends the cookie's session (or, without a cookie, the bearer token's); always 204."""
    limiter = app_state(request.app).login_limiter
    address = client_address(request)
    await limiter.attempt_session(address=address)
    ended = await _session_to_end(request, session, settings, credential)
    if ended is not None:
        user_id, session_id = ended
        await sessions.end_session(tx=session, user_id=user_id, session_id=session_id)
        await session.commit()
        await _close_sockets(request, user_id, [session_id])
    await limiter.session_succeeded(address=address)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    clear_refresh_cookie(request, response)
    return response


async def _session_to_end(
    request: Request, tx: SessionDep, settings: SettingsDep, credential: str | None
) -> tuple[int, int] | None:
    if credential:
        row = await sessions.session_of_secret(tx=tx, secret=credential)
        if row is not None:
            return row.user_id, row.id
    authorization = request.headers.get("authorization", "")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() == "bearer" and token:
        try:
            verified = verify_token(token, secret=settings.secret_key)
        except Unauthorized:
            return None
        if verified.session_id is not None and await sessions.is_alive(
            tx=tx, session_id=verified.session_id, user_id=verified.user_id
        ):
            return verified.user_id, verified.session_id
    return None


@router.post("/logout-all", status_code=status.HTTP_204_NO_CONTENT, responses=answers(*SIGNED_IN))
async def logout_all(request: Request, user: CurrentUser, session: SessionDep) -> Response:
    ended = await sessions.end_all_sessions(tx=session, user_id=user.id)
    await session.commit()
    await _close_sockets(request, user.id, ended)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    clear_refresh_cookie(request, response)
    return response


@router.get("/sessions", response_model=list[SessionPublic], responses=answers(*SIGNED_IN))
async def list_sessions(
    user: CurrentUser, token: AccessToken, session: SessionDep
) -> list[SessionPublic]:
    rows = await sessions.list_sessions(tx=session, user_id=user.id)
    return [
        SessionPublic(
            id=row.id,
            device=device_of(row.user_agent),
            user_agent=row.user_agent,
            created_at=row.created_at,
            last_seen_at=row.last_seen_at,
            expires_at=min(row.idle_expires_at, row.expires_at),
            current=row.id == token.session_id,
        )
        for row in rows
    ]


@router.delete(
    "/sessions/{session_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=answers(*SIGNED_IN, 404),
)
async def revoke_session(
    request: Request, session_id: PathId, user: CurrentUser, session: SessionDep
) -> None:
    await sessions.end_session(tx=session, user_id=user.id, session_id=session_id)
    await session.commit()
    await _close_sockets(request, user.id, [session_id])
