"""Sessions: a refresh credential per signed-in device, rotated at every use.

A session is a family of refresh credentials: each refresh retires the secret it was given and
hands out the next. Only SHA-256 hashes are stored. A retired secret presented again means it was
copied, and the whole session ends (the thief's copy and the owner's alike).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from taskflow.errors import NotFound, Unauthorized
from taskflow.models import AuthSession, RetiredSecret, User
from taskflow.types import utcnow

USER_AGENT_MAX = 300


@dataclass(frozen=True, slots=True)
class Lifetimes:
    idle: timedelta
    absolute: timedelta


@dataclass(frozen=True, slots=True)
class Started:
    session: AuthSession
    secret: str  # the refresh credential, for the cookie only


class Replayed(Unauthorized):
    """A retired refresh credential came back: its session (`session_id`) has been ended."""

    def __init__(self, *, user_id: int, session_id: int) -> None:
        super().__init__("refresh credential reused; the session has ended")
        self.user_id = user_id
        self.session_id = session_id


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_secret() -> tuple[str, str]:
    secret = secrets.token_urlsafe(32)
    return secret, _hash(secret)


def _alive(row: AuthSession, now: datetime) -> bool:
    return now < row.idle_expires_at and now < row.expires_at


async def start_session(
    *, tx: AsyncSession, user_id: int, user_agent: str, lifetimes: Lifetimes
) -> Started:
    """A new session for a sign-in, with its first refresh credential."""
    now = utcnow()
    secret, digest = _new_secret()
    row = AuthSession(
        user_id=user_id,
        secret_hash=digest,
        user_agent=user_agent[:USER_AGENT_MAX],
        created_at=now,
        last_seen_at=now,
        idle_expires_at=now + lifetimes.idle,
        expires_at=now + lifetimes.absolute,
    )
    tx.add(row)
    await tx.flush()
    return Started(row, secret)


async def rotate(
    *, tx: AsyncSession, secret: str, user_agent: str, lifetimes: Lifetimes
) -> tuple[User, Started]:
    """Exchange a refresh credential for the next one; a replayed one ends its session."""
    digest = _hash(secret)
    now = utcnow()
    row = (
        await tx.execute(select(AuthSession).where(AuthSession.secret_hash == digest))
    ).scalar_one_or_none()
    if row is None:
        retired = await tx.get(RetiredSecret, digest)
        if retired is not None:
            ended = await tx.get(AuthSession, retired.session_id)
            if ended is None:
                raise Unauthorized("invalid or expired session")
            user_id, session_id = ended.user_id, ended.id
            await tx.execute(delete(AuthSession).where(AuthSession.id == session_id))
            await tx.commit()
            raise Replayed(user_id=user_id, session_id=session_id)
        raise Unauthorized("invalid or expired session")
    if not _alive(row, now):
        await tx.execute(delete(AuthSession).where(AuthSession.id == row.id))
        await tx.commit()
        raise Unauthorized("invalid or expired session")
    user = await tx.get(User, row.user_id)
    if user is None:
        raise Unauthorized("invalid or expired session")
    tx.add(RetiredSecret(secret_hash=digest, session_id=row.id))
    fresh, fresh_digest = _new_secret()
    row.secret_hash = fresh_digest
    row.last_seen_at = now
    row.idle_expires_at = min(now + lifetimes.idle, row.expires_at)
    if user_agent:
        row.user_agent = user_agent[:USER_AGENT_MAX]
    await tx.flush()
    return user, Started(row, fresh)


async def session_of_secret(*, tx: AsyncSession, secret: str) -> AuthSession | None:
    """The live session this refresh credential (current, not retired) belongs to."""
    row = (
        await tx.execute(select(AuthSession).where(AuthSession.secret_hash == _hash(secret)))
    ).scalar_one_or_none()
    return row if row is not None and _alive(row, utcnow()) else None


async def is_alive(*, tx: AsyncSession, session_id: int, user_id: int) -> bool:
    """Whether an access token's session still stands (not ended, not expired)."""
    row = await tx.get(AuthSession, session_id)
    return row is not None and row.user_id == user_id and _alive(row, utcnow())


async def signed_in_user(*, tx: AsyncSession, user_id: int, session_id: int | None) -> User | None:
    """The user of an access token, if its session still stands (one statement)."""
    if session_id is None:
        return await tx.get(User, user_id)
    found = await tx.execute(
        select(User, AuthSession.idle_expires_at, AuthSession.expires_at)
        .join(AuthSession, AuthSession.user_id == User.id)
        .where(User.id == user_id, AuthSession.id == session_id)
    )
    row = found.first()
    if row is None:
        return None
    user, idle_expires_at, expires_at = row
    now = utcnow()
    return user if now < idle_expires_at and now < expires_at else None


async def end_session(*, tx: AsyncSession, user_id: int, session_id: int) -> None:
    """End one of the user's sessions; NotFound if the user has no such session."""
    result = await tx.execute(
        delete(AuthSession)
        .where(AuthSession.id == session_id, AuthSession.user_id == user_id)
        .returning(AuthSession.id)
    )
    if result.scalar_one_or_none() is None:
        raise NotFound("no such session")


async def end_all_sessions(*, tx: AsyncSession, user_id: int) -> list[int]:
    """End every session of the user; the ids ended."""
    result = await tx.execute(
        delete(AuthSession).where(AuthSession.user_id == user_id).returning(AuthSession.id)
    )
    return [int(session_id) for session_id in result.scalars()]


async def list_sessions(*, tx: AsyncSession, user_id: int) -> list[AuthSession]:
    """The user's live sessions, most recently seen first."""
    now = utcnow()
    rows = await tx.execute(
        select(AuthSession)
        .where(AuthSession.user_id == user_id)
        .order_by(AuthSession.last_seen_at.desc(), AuthSession.id.desc())
    )
    return [row for row in rows.scalars() if _alive(row, now)]


async def forget_expired(tx: AsyncSession) -> int:
    """Delete sessions past either expiry (their retired secrets go with them)."""
    now = utcnow()
    result = await tx.execute(
        delete(AuthSession)
        .where((AuthSession.expires_at <= now) | (AuthSession.idle_expires_at <= now))
        .returning(AuthSession.id)
    )
    return len(result.scalars().all())
