"""Service-level fixtures: a database of each kind, users made directly, a board with a team."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from taskflow.database import Database
from taskflow.models import Board, User
from taskflow.schemas import BoardCreate, MemberAdd
from taskflow.services import boards, members

_names = itertools.count(1)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    yield database
    await database.dispose()


async def make_user(db: Database, name: str | None = None) -> User:
    """A user row (no password hashing: services never look at it)."""
    username = name or f"svc{next(_names)}"
    async with db.session() as tx:
        user = User(username=username, email=f"{username}@example.com", password_hash="x")
        tx.add(user)
        await tx.commit()
    return user


@dataclass
class Crew:
    board: Board
    owner: User
    editor: User
    viewer: User
    stranger: User


@pytest.fixture
async def crew(db: Database) -> Crew:
    owner, editor, viewer, stranger = [await make_user(db) for _ in range(4)]
    async with db.session() as tx:
        board = await boards.create_board(tx=tx, actor=owner, cmd=BoardCreate(name="Plan"))
        for who, role in ((editor, "editor"), (viewer, "viewer")):
            await members.add_member(
                tx=tx,
                actor=owner,
                board_id=board.id,
                cmd=MemberAdd(username=who.username, role=role),
            )
        await tx.commit()
    return Crew(board, owner, editor, viewer, stranger)
