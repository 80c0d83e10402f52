"""`Idempotency-Key` for REST creates: a retried request gets the first answer, and one change."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import WithJsonSchema
from sqlalchemy.ext.asyncio import AsyncSession

from taskflow.errors import DomainError
from taskflow.services import idempotency
from taskflow.web.deps import CurrentUser, SessionDep

KEY_PATTERN = r"^[\x21-\x7e]+$"
KeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        pattern=KEY_PATTERN,
        description=(
            "Retry-safe creates: the same key within IDEMPOTENCY_TTL_SECONDS (15 minutes by"
            " default) returns the first answer"
        ),
    ),
    # A string alone: see IfMatch in routes/tasks.py.
    WithJsonSchema({"type": "string", "minLength": 1, "maxLength": 200, "pattern": KEY_PATTERN}),
]


class Replayed(DomainError):
    """Raised when a twin request with the same key committed first; answers with its response."""

    def __init__(self, status_code: int, body: Any) -> None:
        super().__init__("replayed")
        self.status_code = status_code
        self.body = body


class IdempotentRequest:
    """The caller's key for this route, or none; remembers the answer in the change's transaction."""

    def __init__(self, *, key: str | None, user_id: int, scope: str, session: AsyncSession) -> None:
        self.key = key
        self.user_id = user_id
        self.scope = scope
        self.session = session

    async def replay(self) -> JSONResponse | None:
        if self.key is None:
            return None
        stored = await idempotency.recall(
            self.session, user_id=self.user_id, scope=self.scope, key=self.key
        )
        if stored is None:
            return None
        response = JSONResponse(stored.body, status_code=stored.status_code)
        if isinstance(stored.body, dict) and isinstance(stored.body.get("version"), int):
            response.headers["ETag"] = f'"{stored.body["version"]}"'  # as the first answer had
        return response

    async def remember(self, status_code: int, body: Any) -> None:
        if self.key is None:
            return
        stored = await idempotency.remember_first(
            self.session,
            user_id=self.user_id,
            scope=self.scope,
            key=self.key,
            status_code=status_code,
            body=jsonable_encoder(body),
        )
        if stored is not None:
            raise Replayed(stored.status_code, stored.body)


async def idempotent_request(
    request: Request, user: CurrentUser, session: SessionDep, key: KeyHeader = None
) -> IdempotentRequest:
    scope = f"{request.method} {request.url.path}"
    return IdempotentRequest(key=key, user_id=user.id, scope=scope, session=session)


IdempotencyDep = Annotated[IdempotentRequest, Depends(idempotent_request)]


async def replayed_response(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Replayed)
    return JSONResponse(exc.body, status_code=exc.status_code)
