"""Schemathesis hooks: a signed-up user's bearer token, and a fresh `Idempotency-Key` per request.

A key reused across generated requests would replay the first answer (the contract's retry
guarantee), so a later check would see a board that another case created, or already deleted.

The calls that end sessions (sign out, sign out everywhere, revoke one) would end the signed-up
user's session and turn every later case into a 401: they run as a second user instead, signed in
again only after one of them succeeded.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import schemathesis

KEY = "Idempotency-Key"
VALID_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")
PASSWORD = "fuzzing password"
ENDS_SESSIONS = {"logout", "logout_all", "revoke_session"}


def sign_up(base_url: str) -> tuple[str, str]:
    """A new user, signed in: (username, bearer token)."""
    username = f"fuzz_{uuid.uuid4().hex[:12]}"
    with httpx.Client(base_url=base_url, timeout=30) as http:
        http.post(
            "/api/users",
            json={"username": username, "email": f"{username}@example.com", "password": PASSWORD},
        ).raise_for_status()
    return username, sign_in(base_url, username)


def sign_in(base_url: str, username: str) -> str:
    with httpx.Client(base_url=base_url, timeout=30) as http:
        signed_in = http.post("/api/auth/token", data={"username": username, "password": PASSWORD})
        signed_in.raise_for_status()
        token: str = signed_in.json()["access_token"]
        return token


class SecondUser:
    """The user whose sessions the session-ending calls end; a token is fetched when needed."""

    username: str | None = None
    token: str | None = None

    @classmethod
    def bearer(cls, base_url: str) -> str:
        if cls.username is None:
            cls.username, cls.token = sign_up(base_url)
        elif cls.token is None:
            cls.token = sign_in(base_url, cls.username)
        assert cls.token is not None
        return cls.token


@schemathesis.auth()
class SignedUp:
    """A new user per run (tokens last an hour, far beyond a run), signed in once."""

    def get(self, case: schemathesis.Case, context: Any) -> str:
        _, token = sign_up(case.operation.base_url)
        return token

    def set(self, case: schemathesis.Case, data: str, context: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@schemathesis.hook
def before_call(context: Any, case: schemathesis.Case, kwargs: dict[str, Any]) -> None:
    # Only a valid key is replaced (by another valid one): invalid keys are negative cases.
    key = (case.headers or {}).get(KEY)
    if isinstance(key, str) and VALID_KEY.match(key):
        case.headers[KEY] = uuid.uuid4().hex
    # Only a signed-in call is moved to the second user: a missing or bad token is a case itself.
    authorization = (case.headers or {}).get("Authorization", "")
    if case.operation.definition.raw.get("operationId") in ENDS_SESSIONS and (
        isinstance(authorization, str) and authorization.startswith("Bearer ey")
    ):
        case.headers["Authorization"] = f"Bearer {SecondUser.bearer(case.operation.base_url)}"


@schemathesis.hook
def after_call(context: Any, case: schemathesis.Case, response: Any) -> None:
    if case.operation.definition.raw.get("operationId") in ENDS_SESSIONS and (
        200 <= response.status_code < 300
    ):
        SecondUser.token = None  # its session may have ended: sign in again next time
