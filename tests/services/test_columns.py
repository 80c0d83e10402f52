"""The column service as the WebSocket layer calls it: the socket's board and `expected_name`."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from taskflow.database import Database
from taskflow.errors import NotFound, VersionConflict
from taskflow.models import Board, Column
from taskflow.schemas import BoardCreate, ColumnUpdate
from taskflow.services import boards, columns
from taskflow.services.payloads import column_data
from tests.services.conftest import Crew


async def first_column(db: Database, board_id: int) -> Column:
    async with db.session() as tx:
        return (await columns.board_columns(tx=tx, board_id=board_id))[0]


async def board_seq(db: Database, board_id: int) -> int:
    async with db.session() as tx:
        return int((await tx.get_one(Board, board_id)).seq)


async def test_board_id_scopes_the_column(db: Database, crew: Crew) -> None:
    column = await first_column(db, crew.board.id)
    async with db.session() as tx:
        other = await boards.create_board(tx=tx, actor=crew.editor, cmd=BoardCreate(name="Own"))
        await tx.commit()
    async with db.session() as tx:
        with pytest.raises(NotFound):
            await columns.update_column(
                tx=tx, actor=crew.editor, column_id=column.id, cmd=ColumnUpdate(name="x"),
                board_id=other.id,
            )  # fmt: skip
    async with db.session() as tx:
        with pytest.raises(NotFound):
            await columns.delete_column(
                tx=tx, actor=crew.editor, column_id=column.id, board_id=other.id
            )
    async with db.session() as tx:
        _, event = await columns.delete_column(
            tx=tx, actor=crew.editor, column_id=column.id, board_id=crew.board.id
        )
        await tx.commit()
    assert event.data == {"id": column.id, "board_id": crew.board.id}


async def test_a_stale_expected_name_changes_nothing(db: Database, crew: Crew) -> None:
    column = await first_column(db, crew.board.id)
    seq = await board_seq(db, crew.board.id)
    async with db.session() as tx:
        with pytest.raises(VersionConflict) as stale:
            await columns.update_column(
                tx=tx, actor=crew.editor, column_id=column.id, cmd=ColumnUpdate(name="Later"),
                expected_name="Backlog",
            )  # fmt: skip
    assert stale.value.detail == column_data(column)
    assert column_data(await first_column(db, crew.board.id)) == column_data(column)
    assert await board_seq(db, crew.board.id) == seq
    async with db.session() as tx:
        renamed, [event] = await columns.update_column(
            tx=tx, actor=crew.editor, column_id=column.id, cmd=ColumnUpdate(name="Later"),
            expected_name=column.name,
        )  # fmt: skip
        await tx.commit()
    assert (renamed.name, event.name, event.seq) == ("Later", "column.updated", seq + 1)


async def test_expected_name_is_checked_after_a_rename_it_waited_for(
    db: Database, crew: Crew
) -> None:
    column = await first_column(db, crew.board.id)
    async with db.session() as first:
        await columns.update_column(
            tx=first, actor=crew.owner, column_id=column.id, cmd=ColumnUpdate(name="Backlog")
        )

        async def offline_rename() -> None:
            async with db.session() as tx:
                await columns.update_column(
                    tx=tx, actor=crew.editor, column_id=column.id, cmd=ColumnUpdate(name="Later"),
                    expected_name=column.name,
                )  # fmt: skip
                await tx.commit()

        # It waits for the board lock the first rename holds, then reads the name it committed.
        waiting = asyncio.create_task(offline_rename())
        await asyncio.sleep(0.3)
        assert not waiting.done()
        await first.commit()
    with pytest.raises(VersionConflict) as stale:
        await waiting
    assert isinstance(stale.value.detail, dict) and stale.value.detail["name"] == "Backlog"
    async with db.session() as tx:
        names = await tx.scalars(select(Column.name).where(Column.id == column.id))
        assert list(names) == ["Backlog"]
