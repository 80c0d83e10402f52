"""Boards and access at the service level."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select, update

from taskflow.database import Database
from taskflow.errors import Forbidden, NotFound
from taskflow.models import ActivityOutbox, Board, BoardEvent, Column, Member, Task, TrashItem
from taskflow.schemas import BoardCreate, TaskCreate
from taskflow.services import board_trash, boards, tasks
from taskflow.services.access import READERS, WRITERS, member_role, require_role
from taskflow.types import utcnow
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


async def test_delete_board_keeps_it_in_the_trash_until_erased(db: Database, crew: Crew) -> None:
    async with db.session() as tx:
        await tasks.create_task(
            tx=tx, actor=crew.editor, board_id=crew.board.id, cmd=TaskCreate(title="t")
        )
        await tx.commit()
    async with db.session() as tx:
        _, event = await boards.delete_board(tx=tx, actor=crew.owner, board_id=crew.board.id)
        await tx.commit()
    assert (event.name, event.seq, event.data) == ("board.deleted", 4, {"id": crew.board.id})
    # Gone for every member at once; its rows wait in the trash.
    assert await count(db, Member) == 0
    for model in (Board, Column, Task, BoardEvent):
        assert await count(db, model) > 0, model
    async with db.session() as tx:
        item = (await tx.execute(select(TrashItem))).scalar_one()
        assert (item.kind, item.object_id, item.title) == ("board", crew.board.id, "Plan")
        assert len(item.payload["members"]) == 3
        with pytest.raises(NotFound):
            await boards.board_snapshot(tx=tx, actor=crew.owner, board_id=crew.board.id)
    async with db.session() as tx:
        await tx.execute(update(TrashItem).values(expires_at=utcnow() - timedelta(seconds=1)))
        assert await board_trash.erase_expired_boards(tx) == 1
        await tx.commit()
    for model in (Board, Column, Task, BoardEvent, Member, TrashItem):
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


async def test_a_deleted_board_whose_item_was_forgotten_is_erased(db: Database, crew: Crew) -> None:
    async with db.session() as tx:
        await boards.delete_board(tx=tx, actor=crew.owner, board_id=crew.board.id)
        await tx.commit()
    async with db.session() as tx:
        assert await board_trash.erase_expired_boards(tx) == 0  # still restorable
        # The item expired and was forgotten first (another pass, a moment later).
        await tx.execute(delete(TrashItem))
        assert await board_trash.erase_expired_boards(tx) == 1
        await tx.commit()
    assert await count(db, Board) == 0 and await count(db, Column) == 0
