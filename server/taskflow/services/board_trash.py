"""A deleted board: kept in its owner's trash for `trash.KEPT_FOR`, restorable, then erased."""

from __future__ import annotations

from sqlalchemy import delete, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from taskflow.errors import Conflict, NotFound
from taskflow.models import (
    Board,
    BoardEvent,
    ChecklistItem,
    Column,
    Comment,
    Label,
    Member,
    Task,
    TrashItem,
    User,
)
from taskflow.services.access import OWNER_ONLY, member_role, require_role
from taskflow.services.events import Activity, Event, claim_next_seq, record_event
from taskflow.services.payloads import board_data
from taskflow.services.trash import keep_in_trash, take_from_trash
from taskflow.services.trash_rows import row_from_payload, row_payload
from taskflow.types import utcnow

MISSING = "board not found in the trash"
# Children before their parents, explicitly: tasks RESTRICT their column's deletion, and the
# order of cascades is not something to rely on across two databases.
_BOARD_ROWS = (Comment, ChecklistItem, Task, Column, Label, BoardEvent, Member, TrashItem)


async def keep_board(tx: AsyncSession, *, board: Board, actor: User) -> TrashItem:
    """Put the board in the trash: its members are kept in the item and removed (so every
    access check answers 404, as for a board that does not exist); its other rows stay."""
    members = await tx.execute(select(Member).where(Member.board_id == board.id))
    kept = await keep_in_trash(
        tx, board_id=board.id, kind="board", object_id=board.id, title=board.name,
        payload={"members": [row_payload(member) for member in members.scalars()]}, actor=actor,
    )  # fmt: skip
    await tx.execute(delete(Member).where(Member.board_id == board.id))
    board.deleted_at = utcnow()
    await tx.flush()
    return kept


async def restore_board(*, tx: AsyncSession, actor: User, board_id: int) -> tuple[Board, Event]:
    """Bring the actor's own deleted board back, with its members (those who still have an
    account); its `board.restored` event. Anyone else's board, or an expired one: NotFound;
    a board that is not deleted: Conflict for its owner."""
    owned = await tx.execute(
        select(Board.id).where(
            Board.id == board_id, Board.owner_id == actor.id, Board.deleted_at.is_not(None)
        )
    )
    if owned.scalar_one_or_none() is None:
        await _refuse_live_board(tx, actor=actor, board_id=board_id)
        raise NotFound(MISSING)
    seq = await claim_next_seq(tx, board_id)
    # Under the board's lock: of two restores, the second finds the item gone.
    item = await take_from_trash(tx, kind="board", object_id=board_id, missing=MISSING)
    board = await tx.get_one(Board, board_id, populate_existing=True)
    kept = [row_from_payload(Member, values) for values in item.payload.get("members", [])]
    found = await tx.execute(select(User.id).where(User.id.in_([m.user_id for m in kept])))
    users = set(found.scalars())
    tx.add_all([member for member in kept if member.user_id in users])
    board.deleted_at = None
    board.updated_at = utcnow()
    await tx.flush()
    activity = Activity("board.restored", "board", board.id, board.name, {})
    event = await record_event(
        tx, board_id=board.id, seq=seq, name="board.restored", actor=actor,
        data=board_data(board), activity=activity,
    )  # fmt: skip
    return board, event


async def _refuse_live_board(tx: AsyncSession, *, actor: User, board_id: int) -> None:
    """A board that is not deleted: Conflict for its owner, as for any board call otherwise
    (403 for its other members, 404 for everyone else)."""
    if await member_role(tx=tx, board_id=board_id, user_id=actor.id) is None:
        return
    await require_role(tx=tx, board_id=board_id, user=actor, allowed=OWNER_ONLY)
    raise Conflict("the board is not deleted")


async def deleted_boards(*, tx: AsyncSession, actor: User) -> list[TrashItem]:
    """The actor's own boards in the trash, unexpired, newest deletion first."""
    query = (
        select(TrashItem)
        .join(Board, Board.id == TrashItem.object_id)
        .where(
            TrashItem.kind == "board",
            Board.owner_id == actor.id,
            TrashItem.expires_at > utcnow(),
        )
        .order_by(TrashItem.deleted_at.desc(), TrashItem.id.desc())
    )
    return list((await tx.execute(query)).scalars())


async def erase_expired_boards(tx: AsyncSession) -> int:
    """Erase every deleted board that has no unexpired trash item any more, with all its rows;
    how many. Its activity stays in the feed, as it always did after a board's deletion.

    Without an unexpired item rather than with an expired one: a pass that forgot the item
    (it expired between this query and `forget_expired`) must not leave the board for ever.
    """
    restorable = exists().where(
        TrashItem.kind == "board",
        TrashItem.object_id == Board.id,
        TrashItem.expires_at > utcnow(),
    )
    candidates = await tx.execute(
        select(Board.id).where(Board.deleted_at.is_not(None), ~restorable)
    )
    erased = 0
    for board_id in [int(board_id) for board_id in candidates.scalars()]:
        # Locked and checked again: a restore that took the item just before it expired and
        # has not committed yet wins, and the board stays.
        locked = await tx.execute(
            select(Board.id)
            .where(Board.id == board_id, Board.deleted_at.is_not(None), ~restorable)
            .with_for_update()
        )
        if locked.scalar_one_or_none() is not None:
            await erase_board(tx, board_id=board_id)
            erased += 1
    return erased


async def erase_board(tx: AsyncSession, *, board_id: int) -> None:
    """Delete the board and every row of it, its trash included (no access check)."""
    for model in _BOARD_ROWS:
        await tx.execute(delete(model).where(model.board_id == board_id))
    await tx.execute(delete(Board).where(Board.id == board_id))
