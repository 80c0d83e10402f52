"""What a board's trash panel shows: its deleted tasks, columns and comments, still restorable."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from taskflow.models import TrashItem, User
from taskflow.services.access import READERS, require_role
from taskflow.types import utcnow


async def board_trash(*, tx: AsyncSession, actor: User, board_id: int) -> list[TrashItem]:
    """The board's unexpired trash items, newest deletion first (any member may read them)."""
    await require_role(tx=tx, board_id=board_id, user=actor, allowed=READERS)
    query = (
        select(TrashItem)
        .where(
            TrashItem.board_id == board_id,
            TrashItem.kind != "board",
            TrashItem.expires_at > utcnow(),
        )
        .order_by(TrashItem.deleted_at.desc(), TrashItem.id.desc())
    )
    return list((await tx.execute(query)).scalars())
