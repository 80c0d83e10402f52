"""Positions: keys sort strictly, moves rewrite only the moved row, even thousands into one gap."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from taskflow.database import Database
from taskflow.errors import Invalid
from taskflow.models import Board, BoardEvent, Column, Task
from taskflow.schemas import ColumnCreate, TaskCreate, TaskUpdate
from taskflow.services import columns, ordering, tasks
from tests.services.conftest import Crew

MOVES = 2_000
COLUMNS = 500
BATCH = 20


def test_key_between_is_strictly_between() -> None:
    first = ordering.key_between(None, None)
    after = ordering.key_between(first, None)
    before = ordering.key_between(None, first)
    middle = ordering.key_between(first, after)
    assert before < first < middle < after


def test_key_between_refuses_neighbours_out_of_order() -> None:
    with pytest.raises(Invalid):
        ordering.key_between("a1", "a0")
    with pytest.raises(Invalid):
        ordering.key_between("a0", "a0")


def test_first_keys_increase() -> None:
    keys = ordering.first_keys(3)
    assert keys == sorted(keys) and len(set(keys)) == 3


async def column_order(db: Database, column_id: int) -> list[tuple[int, str, int]]:
    async with db.session() as tx:
        rows = await tx.execute(
            select(Task.id, Task.position, Task.version)
            .where(Task.column_id == column_id)
            .order_by(Task.position, Task.id)
        )
        return [(int(i), p, int(v)) for i, p, v in rows.all()]


async def rebalances(db: Database, board_id: int, name: str) -> list[dict[str, Any]]:
    """The data of the board's `name` events, in seq order."""
    async with db.session() as tx:
        frames = await tx.scalars(
            select(BoardEvent.frame)
            .where(BoardEvent.board_id == board_id, BoardEvent.name == name)
            .order_by(BoardEvent.seq)
        )
        return [json.loads(frame)["data"] for frame in frames]


async def board_seq(db: Database, board_id: int) -> int:
    async with db.session() as tx:
        return int(await tx.scalar(select(Board.seq).where(Board.id == board_id)) or 0)


async def test_thousands_of_moves_into_one_gap_stay_under_the_cap_in_order(
    db: Database, crew: Crew
) -> None:
    async with db.session() as tx:
        column_id = (
            (
                await tx.execute(
                    select(Column.id)
                    .where(Column.board_id == crew.board.id)
                    .order_by(Column.position)
                )
            )
            .scalars()
            .first()
        )
        assert column_id is not None
        for i in range(8):
            await tasks.create_task(
                tx=tx, actor=crew.editor, board_id=crew.board.id, cmd=TaskCreate(title=f"t{i}")
            )
        await tx.commit()
    expected = [task_id for task_id, _, _ in await column_order(db, column_id)]
    anchor = expected[0]
    moved_count = dict.fromkeys(expected, 0)
    longest = 0

    for batch in range(MOVES // BATCH):
        # Several moves per transaction only to save commits; each one reads what the previous
        # one wrote, exactly as it would from the next request.
        async with db.session() as tx:
            for n in range(batch * BATCH, (batch + 1) * BATCH):
                # Always the same gap, right after the anchor: the worst case for key growth.
                # Alternate the two ways of naming it (after the anchor; before its successor).
                mover = expected[-1]
                body = {"after_id": anchor} if n % 2 else {"before_id": expected[1]}
                moved, events = await tasks.update_task(
                    tx=tx, actor=crew.editor, task_id=mover, cmd=TaskUpdate.model_validate(body)
                )
                longest = max(longest, len(moved.position))
                assert [e.name for e in events][-1] == "task.updated"
                expected.remove(mover)
                expected.insert(1, mover)
                moved_count[mover] += 1
            await tx.commit()

    rows = await column_order(db, column_id)
    assert [task_id for task_id, _, _ in rows] == expected
    positions = [position for _, position, _ in rows]
    assert positions == sorted(positions) and len(set(positions)) == len(positions)
    # Without the cap the gap's key would reach ~MOVES/6 characters (about 330 here).
    assert longest <= ordering.MAX_KEY_LENGTH
    rebalanced = await rebalances(db, crew.board.id, "tasks.rebalanced")
    assert len(rebalanced) >= MOVES // (6 * ordering.MAX_KEY_LENGTH)
    for data in rebalanced:
        listed = [entry["position"] for entry in data["tasks"]]
        assert data["column_id"] == column_id and {e["id"] for e in data["tasks"]} == set(expected)
        assert listed == sorted(listed) and max(map(len, listed)) <= 3
    # A move rewrites only the moved row; a rebalance rewrites every task of the column once.
    assert {task_id: version - 1 for task_id, _, version in rows} == {
        task_id: count + len(rebalanced) for task_id, count in moved_count.items()
    }
    # Each rebalance is one event of its own: two member.added, 8 creates, the moves, and them.
    assert await board_seq(db, crew.board.id) == 2 + 8 + MOVES + len(rebalanced)
    print(f"{MOVES} moves into one gap: {len(rebalanced)} rebalances, longest key {longest}")


async def test_hundreds_of_columns_placed_after_one_column_stay_under_the_cap(
    db: Database, crew: Crew
) -> None:
    async with db.session() as tx:
        first = (await columns.board_columns(tx=tx, board_id=crew.board.id))[0]
    placed = 0
    while placed < COLUMNS:
        async with db.session() as tx:
            for _ in range(BATCH):
                column, _ = await columns.create_column(
                    tx=tx,
                    actor=crew.editor,
                    board_id=crew.board.id,
                    cmd=ColumnCreate(name=f"c{placed}", after_id=first.id),
                )
                assert len(column.position) <= ordering.MAX_KEY_LENGTH
                placed += 1
            await tx.commit()
    async with db.session() as tx:
        found = await columns.board_columns(tx=tx, board_id=crew.board.id)
    names = [c.name for c in found]
    # Each new column went right after the first one, so they read newest first.
    assert names == ["To do", *(f"c{n}" for n in reversed(range(COLUMNS))), "In progress", "Done"]
    positions = [c.position for c in found]
    assert positions == sorted(positions) and len(set(positions)) == len(positions)
    rebalanced = await rebalances(db, crew.board.id, "columns.rebalanced")
    assert rebalanced and all(len(d["columns"]) < len(found) for d in rebalanced)
    assert await board_seq(db, crew.board.id) == 2 + COLUMNS + len(rebalanced)
