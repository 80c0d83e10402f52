"""Who may do what on a board: roles, and the checks services make before a change."""

from __future__ import annotations

from collections.abc import Collection
from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from taskflow.errors import Forbidden, NotFound
from taskflow.models import Member, User
from taskflow.services.events import claim_seq_if_member

OWNER: Final = "owner"
EDITOR: Final = "editor"
VIEWER: Final = "viewer"
OWNER_ONLY: Final = frozenset({OWNER})
WRITERS: Final = frozenset({OWNER, EDITOR})
READERS: Final = frozenset({OWNER, EDITOR, VIEWER})


async def member_role(*, tx: AsyncSession, board_id: int, user_id: int) -> str | None:
    """The user's role on the board; None when not a member or there is no such board."""
    result = await tx.execute(
        select(Member.role).where(Member.board_id == board_id, Member.user_id == user_id)
    )
    return result.scalar_one_or_none()


async def require_role(
    *, tx: AsyncSession, board_id: int, user: User, allowed: Collection[str]
) -> str:
    """The user's role if allowed; NotFound for non-members (no leak), Forbidden otherwise."""
    role = await member_role(tx=tx, board_id=board_id, user_id=user.id)
    return check_role(role, allowed, missing="board not found")


async def require_role_as(
    *, tx: AsyncSession, board_id: int, user: User, allowed: Collection[str], missing: str
) -> str:
    """`require_role` whose NotFound names the object the caller asked for, not its board."""
    try:
        return await require_role(tx=tx, board_id=board_id, user=user, allowed=allowed)
    except NotFound:
        raise NotFound(missing) from None


async def claim_seq_as(
    *,
    tx: AsyncSession,
    board_id: int,
    user: User,
    allowed: Collection[str],
    missing: str = "board not found",
) -> int:
    """Claim the board's next seq (locking the board) if the user's role allows, checked again under the lock.

    The claim itself only locks for a member with an allowed role, which keeps everyone else
    off the board's lock; the second check runs under the lock, so a membership removed by a
    writer this one waited for is seen (PostgreSQL reads committed rows per statement).
    """
    claim = await claim_seq_if_member(
        tx, user_id=user.id, roles=frozenset(allowed), board_id=board_id
    )
    if claim is None:
        await require_role_as(tx=tx, board_id=board_id, user=user, allowed=allowed, missing=missing)
        raise NotFound(missing)  # the board went away between the two statements
    await require_role_as(tx=tx, board_id=board_id, user=user, allowed=allowed, missing=missing)
    return claim.seq


def check_role(role: str | None, allowed: Collection[str], *, missing: str) -> str:
    """`role` if allowed; NotFound for a non-member (no leak), Forbidden otherwise."""
    if role is None:
        raise NotFound(missing)
    if role not in allowed:
        raise Forbidden(f"a board {role} may not do this")
    return role
