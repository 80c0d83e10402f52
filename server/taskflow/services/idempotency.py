"""Safe retries: the first answer to a keyed request is stored with its change and replayed after.

An answer is replayed until `forget_expired` removes it: the purge (`housekeeping`) is the one
place the TTL applies, so REST keys and WebSocket refs expire alike, at least TTL after their
first answer.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select
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


async def remember(
    tx: AsyncSession,
    *,
    user_id: int,
    scope: str,
    key: str,
    status_code: int,
    body: Any,
) -> None:
    """Store the answer in the change's transaction; a racing twin then fails on the unique key."""
    tx.add(
        IdempotencyRecord(user_id=user_id, scope=scope, key=key, status_code=status_code, body=body)
    )
    await tx.flush()


async def forget_expired(tx: AsyncSession, *, ttl: timedelta) -> int:
    """Delete answers older than the TTL; returns how many."""
    result = await tx.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.created_at <= utcnow() - ttl)
    )
    return int(getattr(result, "rowcount", 0) or 0)
