"""Board membership: the owner adds editors and viewers by username, and removes them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from taskflow.database import Database
from taskflow.errors import Conflict, Invalid, NotFound
from taskflow.models import Board, Member, Task, User
from taskflow.schemas import MemberAdd, MemberPublic
from taskflow.services.access import OWNER, OWNER_ONLY, claim_seq_as
from taskflow.services.events import Activity, Event, claim_next_seq, record_event
from taskflow.services.payloads import member_data, task_data
from taskflow.types import utcnow


@dataclass(frozen=True, slots=True)
class Membership:
    """A user as a board sees them: their role (None if not a member) and the board's seq."""

    user_id: int
    username: str
    role: str | None
    board_seq: int | None


# The user, their role on the board and the board's seq, all from one snapshot.
_MEMBERSHIP = (
    select(User.id, User.username, Member.role, Board.seq)
    .select_from(User)
    .outerjoin(Member, and_(Member.user_id == User.id, Member.board_id == bindparam("board_id")))
    .outerjoin(Board, Board.id == Member.board_id)
    .where(User.id == bindparam("user_id"))
)


async def membership(*, db: Database, user_id: int, board_id: int) -> Membership | None:
    """The user's membership of the board in one statement; None if there is no such user."""
    rows = await db.read_once(_MEMBERSHIP, {"user_id": user_id, "board_id": board_id})
    if not rows:
        return None
    found_id, username, role, seq = rows[0]
    return Membership(int(found_id), str(username), role, None if seq is None else int(seq))


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
) -> tuple[MemberPublic, list[Event]]:
    """Take a member off the board (owner only; the owner cannot be removed).

    Their tasks lose them as assignee first (an assignee is a member): one `task.updated` per
    task, then `member.removed`, all in this transaction.
    """
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
    events = []
    for task in await _assigned(tx, board_id=board_id, user_id=user.id):
        events.append(await _unassign(tx, actor=actor, task=task, seq=seq))
        seq = await claim_next_seq(tx, board_id)
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
    return member, [*events, event]


async def board_members(*, tx: AsyncSession, board_id: int) -> list[MemberPublic]:
    """The board's members, in the order they joined (no access check: callers have done it)."""
    rows = await tx.execute(
        select(Member, User)
        .join(User, User.id == Member.user_id)
        .where(Member.board_id == board_id)
        .order_by(Member.created_at, Member.user_id)
    )
    return [_public(member, user) for member, user in rows]


async def _assigned(tx: AsyncSession, *, board_id: int, user_id: int) -> list[Task]:
    query = (
        select(Task)
        .where(Task.board_id == board_id, Task.assignee_id == user_id)
        .order_by(Task.id)
        .execution_options(populate_existing=True)
    )
    return list((await tx.execute(query)).scalars())


async def _unassign(tx: AsyncSession, *, actor: User, task: Task, seq: int) -> Event:
    """Clear the assignee as `update_task` would."""
    before = task.assignee_id
    task.assignee_id = None
    task.version += 1
    task.updated_at = utcnow()
    await tx.flush()
    activity = Activity(
        "task.updated", "task", task.id, task.title,
        {"assignee_id": {"from": before, "to": None}},
    )  # fmt: skip
    return await record_event(
        tx, board_id=task.board_id, seq=seq, name="task.updated", actor=actor,
        data=task_data(task), activity=activity,
    )  # fmt: skip


def _public(member: Member, user: User) -> MemberPublic:
    return MemberPublic(
        user_id=user.id, username=user.username, role=member.role, created_at=member.created_at
    )
