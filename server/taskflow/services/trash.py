"""The board's trash: deleted tasks, columns, comments (and boards) kept to be restored."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Final

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from taskflow.errors import NotFound
from taskflow.models import TrashItem, User
from taskflow.types import utcnow

KEPT_FOR: Final = timedelta(days=30)


async def keep_in_trash(
    tx: AsyncSession,
    *,
    board_id: int,
    kind: str,
    object_id: int,
    title: str,
    payload: dict[str, Any],
    actor: User,
) -> TrashItem:
    """Keep a deleted object for KEPT_FOR, in the deletion's transaction."""
    now = utcnow()
    item = TrashItem(
        board_id=board_id,
        kind=kind,
        object_id=object_id,
        title=title[:200],
        payload=payload,
        deleted_by=actor.id,
        deleted_at=now,
        expires_at=now + KEPT_FOR,
    )
    tx.add(item)
    await tx.flush()
    return item


async def take_from_trash(
    tx: AsyncSession, *, kind: str, object_id: int, missing: str
) -> TrashItem:
    """Remove the object's unexpired trash item and return it; NotFound when there is none."""
    query = select(TrashItem).where(
        TrashItem.kind == kind, TrashItem.object_id == object_id, TrashItem.expires_at > utcnow()
    )
    item = (await tx.execute(query)).scalar_one_or_none()
    if item is None:
        raise NotFound(missing)
    await tx.delete(item)
    await tx.flush()
    return item


async def forget_expired(tx: AsyncSession) -> int:
    """Drop trash items past their keeping time."""
    result = await tx.execute(delete(TrashItem).where(TrashItem.expires_at <= utcnow()))
    return int(getattr(result, "rowcount", 0) or 0)
