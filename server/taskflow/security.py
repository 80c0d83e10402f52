"""Passwords (Argon2) and access tokens (JWT signed with SECRET_KEY)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from taskflow.errors import Unauthorized

ALGORITHM = "HS256"
_hasher = PasswordHasher()
# Verifying against this when the user does not exist keeps both failures equally slow.
_DUMMY_HASH = _hasher.hash("not-a-real-password-but-a-constant-time-decoy")


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(password: str, password_hash: str | None) -> bool:
    def verify() -> bool:
        try:
            return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(verify)


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: str
    expires_in: int


def issue_token(
    *, user_id: int, secret: str, minutes: float, session_id: int | None = None
) -> IssuedToken:
    """A signed access token; `sid` names the server-side session it belongs to (if any)."""
    now = datetime.now(UTC)
    claims: dict[str, object] = {
        "sub": str(user_id),
        "iat": now,
        "exp": now + timedelta(minutes=minutes),
    }
    if session_id is not None:
        claims["sid"] = str(session_id)
    expires_in = max(1, round(minutes * 60))
    return IssuedToken(jwt.encode(claims, secret, algorithm=ALGORITHM), expires_in)


@dataclass(frozen=True, slots=True)
class VerifiedToken:
    user_id: int
    expires_at: float  # seconds since the epoch
    session_id: int | None = None  # None: a token from before sessions (valid until it expires)


def verify_token(token: str, *, secret: str) -> VerifiedToken:
    """Who a valid, unexpired token was issued to, and until when; anything else raises Unauthorized."""
    try:
        claims = jwt.decode(
            token, secret, algorithms=[ALGORITHM], options={"require": ["exp", "sub", "iat"]}
        )
        sid = claims.get("sid")
        return VerifiedToken(
            int(claims["sub"]), float(claims["exp"]), None if sid is None else int(sid)
        )
    except (jwt.PyJWTError, ValueError, TypeError) as exc:
        raise Unauthorized("invalid or expired token") from exc


def user_id_from_token(token: str, *, secret: str) -> int:
    """The user id a valid, unexpired token was issued to; anything else raises Unauthorized."""
    return verify_token(token, secret=secret).user_id
