"""Safe retries: the first answer to a keyed request is stored with its change and replayed after."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from taskflow.models import IdempotencyRecord
from taskflow.types import utcnow

DEFAULT_TTL = timedelta(minutes=15)


async def recall(
    tx: AsyncSession, *, user_id: int, scope: str, key: str, ttl: timedelta = DEFAULT_TTL
) -> IdempotencyRecord | None:
    """The stored answer for this user's key in this scope, if it is still kept."""
    result = await tx.execute(
        select(IdempotencyRecord).where(
            IdempotencyRecord.user_id == user_id,
            IdempotencyRecord.scope == scope,
            IdempotencyRecord.key == key,
            IdempotencyRecord.created_at > utcnow() - ttl,
        )
    )
    return result.scalar_one_or_none()


async def remember(
    tx: AsyncSession,
    *,
    user_id: int,
    scope: str,
    key: str,
    status_code: int,
    body: Any,
    ttl: timedelta = DEFAULT_TTL,
) -> None:
    """Store the answer in the change's transaction; a racing twin then fails on the unique key."""
    await tx.execute(
        delete(IdempotencyRecord).where(
            IdempotencyRecord.user_id == user_id,
            IdempotencyRecord.scope == scope,
            IdempotencyRecord.key == key,
            IdempotencyRecord.created_at <= utcnow() - ttl,
        )
    )
    tx.add(
        IdempotencyRecord(user_id=user_id, scope=scope, key=key, status_code=status_code, body=body)
    )
    await tx.flush()


async def forget_expired(tx: AsyncSession, *, ttl: timedelta = DEFAULT_TTL) -> int:
    """Delete answers older than the TTL; returns how many."""
    result = await tx.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.created_at <= utcnow() - ttl)
    )
    return int(getattr(result, "rowcount", 0) or 0)
