"""Schemathesis hooks: a signed-up user's bearer token, and a fresh `Idempotency-Key` per request.

A key reused across generated requests would replay the first answer (the contract's retry
guarantee), so a later check would see a board that another case created, or already deleted.
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


@schemathesis.auth()
class SignedUp:
    """A new user per run (tokens last an hour, far beyond a run), signed in once."""

    def get(self, case: schemathesis.Case, context: Any) -> str:
        username = f"fuzz_{uuid.uuid4().hex[:12]}"
        with httpx.Client(base_url=case.operation.base_url, timeout=30) as http:
            http.post(
                "/api/users",
                json={
                    "username": username,
                    "email": f"{username}@example.com",
                    "password": PASSWORD,
                },
            ).raise_for_status()
            signed_in = http.post(
                "/api/auth/token", data={"username": username, "password": PASSWORD}
            )
            signed_in.raise_for_status()
            token: str = signed_in.json()["access_token"]
            return token

    def set(self, case: schemathesis.Case, data: str, context: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@schemathesis.hook
def before_call(context: Any, case: schemathesis.Case, kwargs: dict[str, Any]) -> None:
    # Only a valid key is replaced (by another valid one): invalid keys are negative cases.
    key = (case.headers or {}).get(KEY)
    if isinstance(key, str) and VALID_KEY.match(key):
        case.headers[KEY] = uuid.uuid4().hex
