"""Safe retries: the first answer to a keyed request is stored with its change and replayed after.

An answer is replayed until `forget_expired` removes it: the purge (`housekeeping`) is the one
place the TTL applies, so REST keys and WebSocket refs expire alike, at least TTL after their
first answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from taskflow.models import IdempotencyRecord
from taskflow.types import utcnow


async def recall(
    tx: AsyncSession, *, user_id: int, scope: str, key: str
) -> IdempotencyRecord | None:
    """The stored answer for this user's key in this scope, if it is still kept."""
    result = await tx.execute(
        select(IdempotencyRecord).where(
            IdempotencyRecord.user_id == user_id,
            IdempotencyRecord.scope == scope,
            IdempotencyRecord.key == key,
        )
    )
    return result.scalar_one_or_none()


async def recall_instead(
    tx: AsyncSession, *, user_id: int, scope: str, key: str
) -> IdempotencyRecord | None:
    """Roll this attempt back, and read the answer a twin stored first, if any."""
    await tx.rollback()
    return await recall(tx, user_id=user_id, scope=scope, key=key)


async def remember_first(
    tx: AsyncSession,
    *,
    user_id: int,
    scope: str,
    key: str,
    status_code: int,
    body: Any,
    then: Callable[[], Awaitable[object]] | None = None,
) -> IdempotencyRecord | None:
    """Store the answer in the change's transaction (then run `then`, e.g. the commit); None when
    it is stored, or the twin's answer when a twin with the same key stored one first: this
    attempt, which failed on the unique key, is rolled back."""
    try:
        tx.add(
            IdempotencyRecord(
                user_id=user_id, scope=scope, key=key, status_code=status_code, body=body
            )
        )
        await tx.flush()
        if then is not None:
            await then()
    except IntegrityError:
        if (stored := await recall_instead(tx, user_id=user_id, scope=scope, key=key)) is None:
            raise
        return stored
    return None


async def forget_expired(tx: AsyncSession, *, ttl: timedelta) -> int:
    """Delete answers older than the TTL; returns how many."""
    result = await tx.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.created_at <= utcnow() - ttl)
    )
    return int(getattr(result, "rowcount", 0) or 0)
