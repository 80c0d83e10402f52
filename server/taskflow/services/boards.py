"""Boards: create (with default columns), list, snapshot, rename, delete (to the trash)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from taskflow.errors import NotFound
from taskflow.models import Board, Column, Label, Member, Task, User
from taskflow.schemas import BoardCreate, BoardUpdate, MemberPublic
from taskflow.services.access import OWNER, OWNER_ONLY, READERS, claim_seq_as, require_role
from taskflow.services.board_trash import keep_board
from taskflow.services.columns import board_columns, default_columns
from taskflow.services.events import Activity, Event, record_event
from taskflow.services.members import board_members
from taskflow.services.payloads import board_data, diff
from taskflow.types import utcnow


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A board read in one consistent view: `board.seq` is the last event the rows include."""

    board: Board
    role: str
    columns: list[Column]
    tasks: list[Task]
    members: list[MemberPublic]
    labels: list[Label]


async def create_board(*, tx: AsyncSession, actor: User, cmd: BoardCreate) -> Board:
    """A new board owned by the actor, with its default columns; seq 0, so no event."""
    now = utcnow()
    board = Board(name=cmd.name, owner_id=actor.id, seq=0, created_at=now, updated_at=now)
    tx.add(board)
    await tx.flush()
    tx.add(Member(board_id=board.id, user_id=actor.id, role=OWNER, created_at=now))
    tx.add_all(default_columns(board.id))
    await tx.flush()
    return board


async def list_boards(*, tx: AsyncSession, actor: User) -> list[tuple[Board, str]]:
    """The boards the actor is a member of, oldest first, with the actor's role on each."""
    rows = await tx.execute(
        select(Board, Member.role)
        .join(Member, Member.board_id == Board.id)
        .where(Member.user_id == actor.id)
        .order_by(Board.id)
    )
    return [(board, role) for board, role in rows]


async def board_snapshot(*, tx: AsyncSession, actor: User, board_id: int) -> Snapshot:
    """Board, columns, tasks and members as of one `seq`.

    Ends the session's current transaction (it must hold no writes) to read in a new one.
    """
    await _begin_consistent_read(tx)
    role = await require_role(tx=tx, board_id=board_id, user=actor, allowed=READERS)
    board = await _fresh_board(tx, board_id)
    columns = await board_columns(tx=tx, board_id=board_id)
    tasks = await tx.execute(
        select(Task)
        .join(Column, Column.id == Task.column_id)
        .where(Task.board_id == board_id)
        .order_by(Column.position, Column.id, Task.position, Task.id)
        .execution_options(populate_existing=True)
    )
    members = await board_members(tx=tx, board_id=board_id)
    labels = await tx.execute(select(Label).where(Label.board_id == board_id).order_by(Label.id))
    return Snapshot(board, role, columns, list(tasks.scalars()), members, list(labels.scalars()))


async def board_uid(*, tx: AsyncSession, board_id: int) -> str:
    """The board's uid, which keys its activity (no access check: callers have done it)."""
    uid = await tx.scalar(select(Board.uid).where(Board.id == board_id))
    if uid is None:
        raise NotFound("board not found")
    return uid


async def update_board(
    *, tx: AsyncSession, actor: User, board_id: int, cmd: BoardUpdate
) -> tuple[Board, Event]:
    """Rename the board (owner only)."""
    seq = await claim_seq_as(tx=tx, board_id=board_id, user=actor, allowed=OWNER_ONLY)
    board = await _fresh_board(tx, board_id)
    before = board_data(board)
    board.name = cmd.name
    board.updated_at = utcnow()
    await tx.flush()
    data = board_data(board)
    activity = Activity(
        "board.updated", "board", board.id, board.name, diff(before, data, ["name"])
    )
    event = await record_event(
        tx, board_id=board_id, seq=seq, name="board.updated", actor=actor, data=data,
        activity=activity,
    )  # fmt: skip
    return board, event


async def delete_board(*, tx: AsyncSession, actor: User, board_id: int) -> tuple[Board, Event]:
    """Move the board to its owner's trash (owner only): gone for every member at once, and
    restorable by the owner for `trash.KEPT_FOR`; its activity stays in the feed."""
    seq = await claim_seq_as(tx=tx, board_id=board_id, user=actor, allowed=OWNER_ONLY)
    board = await _fresh_board(tx, board_id)
    activity = Activity("board.deleted", "board", board.id, board.name, {})
    # Published after the commit: live subscribers see board.deleted and are closed (4410).
    event = await record_event(
        tx, board_id=board_id, seq=seq, name="board.deleted", actor=actor,
        data={"id": board_id}, activity=activity,
    )  # fmt: skip
    await keep_board(tx, board=board, actor=actor)
    return board, event


async def _fresh_board(tx: AsyncSession, board_id: int) -> Board:
    query = select(Board).where(Board.id == board_id).execution_options(populate_existing=True)
    board = (await tx.execute(query)).scalar_one_or_none()
    if board is None:
        raise NotFound("board not found")
    return board


async def _begin_consistent_read(tx: AsyncSession) -> None:
    # SQLite transactions already start with BEGIN IMMEDIATE, which excludes every writer.
    if tx.get_bind().dialect.name != "postgresql":
        return
    # The isolation level applies only to a new transaction; the one authentication opened
    # only read, so committing it loses nothing (and keeps loaded objects: no expire on commit).
    if tx.in_transaction():
        await tx.commit()
    await tx.connection(execution_options={"isolation_level": "REPEATABLE READ"})
