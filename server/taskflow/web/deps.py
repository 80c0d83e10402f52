"""Dependency aliases that keep route signatures to one line.

Every dependency is `async def`, even without I/O: FastAPI runs a plain `def` in its thread pool.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.ext.asyncio import AsyncSession

from taskflow.commit import Committer
from taskflow.config import Settings
from taskflow.errors import Unauthorized
from taskflow.models import User
from taskflow.security import VerifiedToken, verify_token
from taskflow.services.sessions import signed_in_user
from taskflow.web.state import app_settings, app_state

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/auth/token", auto_error=False)


async def get_app_settings(request: Request) -> Settings:
    return app_settings(request.app)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request; anything not committed explicitly is rolled back."""
    async with app_state(request.app).db.session() as session:
        yield session


async def get_committer(request: Request) -> Committer:
    return app_state(request.app).committer


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
SessionDep = Annotated[AsyncSession, Depends(get_session)]
CommitDep = Annotated[Committer, Depends(get_committer)]


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_access_token(
    settings: SettingsDep, token: str | None = Depends(oauth2_scheme)
) -> VerifiedToken:
    if not token:
        raise Unauthorized("not authenticated")
    return verify_token(token, secret=settings.secret_key)


AccessToken = Annotated[VerifiedToken, Depends(get_access_token)]


async def get_current_user(request: Request, session: SessionDep, token: AccessToken) -> User:
    """The signed-in user; a write (any other method) also counts against the user's rate."""
    user_id = token.user_id
    if request.method not in READ_METHODS:
        app_state(request.app).write_limiter.admit(user_id)
    user = await signed_in_user(tx=session, user_id=user_id, session_id=token.session_id)
    if user is None:
        raise Unauthorized("invalid or expired token")
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]
