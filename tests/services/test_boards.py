"""Boards and access at the service level."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from taskflow.database import Database
from taskflow.errors import Forbidden, NotFound
from taskflow.models import ActivityOutbox, Board, BoardEvent, Column, Member, Task
from taskflow.schemas import BoardCreate, TaskCreate
from taskflow.services import boards, tasks
from taskflow.services.access import READERS, WRITERS, member_role, require_role
from tests.services.conftest import Crew, make_user


async def count(db: Database, model: type[object], **where: int) -> int:
    async with db.session() as tx:
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return int((await tx.execute(query)).scalar_one())


async def test_a_new_board_has_three_columns_and_no_event(db: Database) -> None:
    owner = await make_user(db)
    async with db.session() as tx:
        board = await boards.create_board(tx=tx, actor=owner, cmd=BoardCreate(name="New"))
        await tx.commit()
    assert board.seq == 0
    async with db.session() as tx:
        names = await tx.execute(
            select(Column.name).where(Column.board_id == board.id).order_by(Column.position)
        )
        assert list(names.scalars()) == ["To do", "In progress", "Done"]
        assert await member_role(tx=tx, board_id=board.id, user_id=owner.id) == "owner"
    assert await count(db, BoardEvent) == 0 and await count(db, ActivityOutbox) == 0


async def test_member_role_and_require_role(db: Database, crew: Crew) -> None:
    async with db.session() as tx:
        assert await member_role(tx=tx, board_id=crew.board.id, user_id=crew.viewer.id) == "viewer"
        assert await member_role(tx=tx, board_id=crew.board.id, user_id=crew.stranger.id) is None
        assert await member_role(tx=tx, board_id=crew.board.id + 9, user_id=crew.owner.id) is None
        role = await require_role(tx=tx, board_id=crew.board.id, user=crew.editor, allowed=WRITERS)
        assert role == "editor"
        with pytest.raises(Forbidden):
            await require_role(tx=tx, board_id=crew.board.id, user=crew.viewer, allowed=WRITERS)
        with pytest.raises(NotFound):
            await require_role(tx=tx, board_id=crew.board.id, user=crew.stranger, allowed=READERS)


async def test_delete_board_removes_its_rows_and_keeps_its_activity(
    db: Database, crew: Crew
) -> None:
    async with db.session() as tx:
        await tasks.create_task(
            tx=tx, actor=crew.editor, board_id=crew.board.id, cmd=TaskCreate(title="t")
        )
        await tx.commit()
    async with db.session() as tx:
        _, event = await boards.delete_board(tx=tx, actor=crew.owner, board_id=crew.board.id)
        await tx.commit()
    assert (event.name, event.seq, event.data) == ("board.deleted", 4, {"id": crew.board.id})
    for model in (Board, Column, Task, BoardEvent, Member):
        assert await count(db, model) == 0, model
    # member.added twice, task.created, board.deleted: the history outlives the board.
    assert await count(db, ActivityOutbox, board_id=crew.board.id) == 4


async def test_snapshot_is_one_view(db: Database, crew: Crew) -> None:
    async with db.session() as tx:
        for i in range(3):
            await tasks.create_task(
                tx=tx, actor=crew.editor, board_id=crew.board.id, cmd=TaskCreate(title=f"t{i}")
            )
        await tx.commit()
    async with db.session() as tx:
        snap = await boards.board_snapshot(tx=tx, actor=crew.viewer, board_id=crew.board.id)
    assert snap.role == "viewer" and snap.board.seq == 5
    assert [t.title for t in snap.tasks] == ["t0", "t1", "t2"]
    assert [m.role for m in snap.members] == ["owner", "editor", "viewer"]
    async with db.session() as tx:
        with pytest.raises(NotFound):
            await boards.board_snapshot(tx=tx, actor=crew.stranger, board_id=crew.board.id)
