"""Positions: keys sort strictly, moves rewrite only the moved row, even thousands into one gap."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from taskflow.database import Database
from taskflow.errors import Invalid
from taskflow.models import Column, Task
from taskflow.schemas import TaskCreate, TaskUpdate
from taskflow.services import ordering, tasks
from tests.services.conftest import Crew

MOVES = 2_000
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


async def test_thousands_of_moves_into_one_gap_keep_order_and_touch_nothing_else(
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

    for batch in range(MOVES // BATCH):
        # Several moves per transaction only to save commits; each one reads what the previous
        # one wrote, exactly as it would from the next request.
        async with db.session() as tx:
            for n in range(batch * BATCH, (batch + 1) * BATCH):
                # Always the same gap, right after the anchor: the worst case for key growth.
                # Alternate the two ways of naming it (after the anchor; before its successor).
                mover = expected[-1]
                body = {"after_id": anchor} if n % 2 else {"before_id": expected[1]}
                await tasks.update_task(
                    tx=tx, actor=crew.editor, task_id=mover, cmd=TaskUpdate.model_validate(body)
                )
                expected.remove(mover)
                expected.insert(1, mover)
                moved_count[mover] += 1
            await tx.commit()

    rows = await column_order(db, column_id)
    assert [task_id for task_id, _, _ in rows] == expected
    positions = [position for _, position, _ in rows]
    assert positions == sorted(positions) and len(set(positions)) == len(positions)
    # Every row changed exactly as often as it was moved: no move rewrote a neighbour.
    assert {task_id: version - 1 for task_id, _, version in rows} == moved_count
    # Each key in one gap costs well under a character (log62 of 2 per split).
    longest = max(len(p) for p in positions)
    print(f"{MOVES} moves into one gap: longest key {longest} characters")
    assert longest < 20 + MOVES // 4
