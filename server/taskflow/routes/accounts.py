"""Accounts: register, sign in (OAuth2 password flow), who am I."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response, status

from taskflow.errors import Unauthorized
from taskflow.schemas import Token, UserCreate, UserPublic
from taskflow.services import accounts
from taskflow.web.answers import SIGNED_IN, answers
from taskflow.web.deps import CurrentUser, SessionDep, SettingsDep
from taskflow.web.session_cookie import sign_in_answer
from taskflow.web.state import app_state

router = APIRouter(prefix="/api", tags=["accounts"])
NO_NUL = r"^[^\x00]*$"


@router.post(
    "/users",
    status_code=status.HTTP_201_CREATED,
    response_model=UserPublic,
    responses=answers(400, 409, 413, 422, 429, 503),
)
async def register(body: UserCreate, session: SessionDep) -> UserPublic:
    user = await accounts.register_user(tx=session, cmd=body)
    await session.commit()
    return UserPublic.model_validate(user)


@router.post("/auth/token", response_model=Token, responses=answers(*SIGNED_IN, 400, 413, 429))
async def sign_in(
    request: Request,
    response: Response,
    username: Annotated[str, Form(max_length=200, pattern=NO_NUL)],
    password: Annotated[str, Form(max_length=200, pattern=NO_NUL)],
    session: SessionDep,
    settings: SettingsDep,
) -> Token:
    limiter = app_state(request.app).login_limiter
    client = request.client.host if request.client else "unknown"
    await limiter.attempt(username=username, address=client)
    try:
        user = await accounts.authenticate(tx=session, username=username, password=password)
    except Unauthorized:
        await limiter.failed(username=username)
        raise
    await limiter.succeeded(username=username, address=client)
    return await sign_in_answer(
        request=request, response=response, tx=session, settings=settings, user_id=user.id
    )


@router.get("/users/me", response_model=UserPublic, responses=answers(*SIGNED_IN))
async def me(user: CurrentUser) -> UserPublic:
    return UserPublic.model_validate(user)
