"""Board membership: the owner adds editors and viewers by username, and removes them."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from taskflow.errors import Conflict, Invalid, NotFound
from taskflow.models import Member, User
from taskflow.schemas import MemberAdd, MemberPublic
from taskflow.services.access import OWNER, OWNER_ONLY, claim_seq_as, member_data
from taskflow.services.events import Activity, Event, record_event
from taskflow.types import utcnow


async def add_member(
    *, tx: AsyncSession, actor: User, board_id: int, cmd: MemberAdd
) -> tuple[MemberPublic, Event]:
    """Give an existing user a role on the board (owner only)."""
    seq = await claim_seq_as(tx=tx, board_id=board_id, user=actor, allowed=OWNER_ONLY)
    # Usernames sign in case-insensitively, so they are looked up the same way here.
    found = await tx.execute(select(User).where(func.lower(User.username) == cmd.username.lower()))
    user = found.scalar_one_or_none()
    if user is None:
        raise Invalid("no such user")
    if await tx.get(Member, (board_id, user.id)) is not None:
        raise Conflict(f"{user.username} is already a member of this board")
    row = Member(board_id=board_id, user_id=user.id, role=cmd.role, created_at=utcnow())
    tx.add(row)
    await tx.flush()
    member = _public(row, user)
    activity = Activity(
        "member.added", "member", user.id, user.username, {"role": {"from": None, "to": row.role}}
    )
    event = await record_event(
        tx, board_id=board_id, seq=seq, name="member.added", actor=actor,
        data=member_data(member), activity=activity,
    )  # fmt: skip
    return member, event


async def remove_member(
    *, tx: AsyncSession, actor: User, board_id: int, user_id: int
) -> tuple[MemberPublic, Event]:
    """Take a member off the board (owner only; the owner cannot be removed)."""
    seq = await claim_seq_as(tx=tx, board_id=board_id, user=actor, allowed=OWNER_ONLY)
    found = await tx.execute(
        select(Member, User)
        .join(User, User.id == Member.user_id)
        .where(Member.board_id == board_id, Member.user_id == user_id)
        .execution_options(populate_existing=True)
    )
    pair = found.first()
    if pair is None:
        raise NotFound("member not found")
    row, user = pair
    if row.role == OWNER:
        raise Conflict("the owner cannot be removed from the board")
    member = _public(row, user)
    await tx.delete(row)
    await tx.flush()
    activity = Activity(
        "member.removed", "member", user.id, user.username, {"role": {"from": row.role, "to": None}}
    )
    event = await record_event(
        tx, board_id=board_id, seq=seq, name="member.removed", actor=actor,
        data={"user_id": user.id, "username": user.username}, activity=activity,
    )  # fmt: skip
    return member, event


async def board_members(*, tx: AsyncSession, board_id: int) -> list[MemberPublic]:
    """The board's members, in the order they joined (no access check: callers have done it)."""
    rows = await tx.execute(
        select(Member, User)
        .join(User, User.id == Member.user_id)
        .where(Member.board_id == board_id)
        .order_by(Member.created_at, Member.user_id)
    )
    return [_public(member, user) for member, user in rows]


def _public(member: Member, user: User) -> MemberPublic:
    return MemberPublic(
        user_id=user.id, username=user.username, role=member.role, created_at=member.created_at
    )
