"""The refresh cookie: HttpOnly, SameSite=Strict, scoped to the auth path, Secure over TLS."""

from __future__ import annotations

from datetime import timedelta

from fastapi import Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from taskflow.config import Settings
from taskflow.schemas import Token
from taskflow.security import issue_token
from taskflow.services.sessions import Lifetimes, Started, start_session

REFRESH_COOKIE = "taskflow_refresh"
COOKIE_PATH = "/api/auth"


def lifetimes(settings: Settings) -> Lifetimes:
    return Lifetimes(
        idle=timedelta(days=settings.session_idle_days),
        absolute=timedelta(days=settings.session_max_days),
    )


def user_agent(request: Request) -> str:
    return request.headers.get("user-agent", "")


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def set_refresh_cookie(
    request: Request, response: Response, secret: str, settings: Settings
) -> None:
    # `request.url.scheme` is https behind a TLS proxy too: uvicorn takes it from a trusted
    # proxy's X-Forwarded-Proto (FORWARDED_ALLOW_IPS).
    response.set_cookie(
        REFRESH_COOKIE,
        secret,
        max_age=max(1, round(timedelta(days=settings.session_idle_days).total_seconds())),
        path=COOKIE_PATH,
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )


def clear_refresh_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        REFRESH_COOKIE,
        path=COOKIE_PATH,
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )


def answer(request: Request, response: Response, started: Started, settings: Settings) -> Token:
    """The access token of the session, with its refresh credential set in the cookie."""
    set_refresh_cookie(request, response, started.secret, settings)
    issued = issue_token(
        user_id=started.session.user_id,
        secret=settings.secret_key,
        minutes=settings.access_token_expire_minutes,
        session_id=started.session.id,
    )
    return Token(access_token=issued.token, expires_in=issued.expires_in)


async def sign_in_answer(
    *, request: Request, response: Response, tx: AsyncSession, settings: Settings, user_id: int
) -> Token:
    """Start a session for a successful sign-in and answer with its tokens."""
    started = await start_session(
        tx=tx, user_id=user_id, user_agent=user_agent(request), lifetimes=lifetimes(settings)
    )
    await tx.commit()
    return answer(request, response, started, settings)
