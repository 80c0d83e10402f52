"""The checklist service: order, done/total on the card, limits and roles."""

from __future__ import annotations

import pytest

from taskflow.database import Database
from taskflow.errors import Forbidden, Invalid, NotFound
from taskflow.models import ChecklistItem
from taskflow.schemas import ChecklistItemCreate, ChecklistItemUpdate
from taskflow.services import checklists, ordering
from tests.services.cards import a_task, board_seq, checked, task_row, verbs
from tests.services.conftest import Crew


async def add(
    db: Database, crew: Crew, task_id: int, text: str = "Step", **place: int
) -> ChecklistItem:
    async with db.session() as tx:
        item, _ = await checklists.create_item(
            tx=tx, actor=crew.editor, task_id=task_id, cmd=ChecklistItemCreate(text=text, **place)
        )
        await tx.commit()
    return item


async def order(db: Database, crew: Crew, task_id: int) -> list[str]:
    async with db.session() as tx:
        return [
            i.text for i in await checklists.list_items(tx=tx, actor=crew.viewer, task_id=task_id)
        ]


async def test_each_change_is_one_event_with_done_and_total(db: Database, crew: Crew) -> None:
    task = await a_task(db, crew)
    async with db.session() as tx:
        item, [created] = await checklists.create_item(
            tx=tx, actor=crew.editor, task_id=task.id, cmd=ChecklistItemCreate(text="Write")
        )
        await tx.commit()
    assert checked(created)["data"]["task"] == {
        "id": task.id, "comment_count": 0, "checklist_total": 1, "checklist_done": 0,
    }  # fmt: skip
    async with db.session() as tx:
        _, [ticked] = await checklists.update_item(
            tx=tx, actor=crew.editor, item_id=item.id, cmd=ChecklistItemUpdate(done=True)
        )
        await tx.commit()
    assert checked(ticked)["data"]["done"] is True
    assert ticked.data["task"]["checklist_done"] == 1
    async with db.session() as tx:
        _, deleted = await checklists.delete_item(tx=tx, actor=crew.editor, item_id=item.id)
        await tx.commit()
    assert checked(deleted)["data"]["task"] == {
        "id": task.id, "comment_count": 0, "checklist_total": 0, "checklist_done": 0,
    }  # fmt: skip
    seqs = [e.seq for e in (created, ticked, deleted)]
    assert seqs == list(range(seqs[0], seqs[0] + 3))
    assert [v for _, v in await verbs(db, crew.board.id)][-3:] == [
        "checklist.created", "checklist.updated", "checklist.deleted",
    ]  # fmt: skip
    row = await task_row(db, task.id)
    assert row is not None and (row.checklist_total, row.checklist_done, row.version) == (0, 0, 1)


async def test_order_and_moves(db: Database, crew: Crew) -> None:
    task = await a_task(db, crew)
    a = await add(db, crew, task.id, "a")
    c = await add(db, crew, task.id, "c")
    await add(db, crew, task.id, "b", before_id=c.id)
    await add(db, crew, task.id, "first", before_id=a.id)
    assert await order(db, crew, task.id) == ["first", "a", "b", "c"]
    async with db.session() as tx:
        await checklists.update_item(
            tx=tx, actor=crew.editor, item_id=a.id, cmd=ChecklistItemUpdate(after_id=c.id)
        )
        await tx.commit()
    assert await order(db, crew, task.id) == ["first", "b", "c", "a"]
    other = await a_task(db, crew, "Other")
    elsewhere = await add(db, crew, other.id, "x")
    seq = await board_seq(db, crew)
    async with db.session() as tx:
        for cmd in (
            ChecklistItemUpdate(before_id=elsewhere.id),
            ChecklistItemUpdate(after_id=a.id),
            ChecklistItemUpdate.model_validate({"done": None}),
            ChecklistItemUpdate(),
        ):
            with pytest.raises(Invalid):
                await checklists.update_item(tx=tx, actor=crew.editor, item_id=a.id, cmd=cmd)
    assert await board_seq(db, crew) == seq


async def test_a_long_run_into_one_gap_rebalances_first(
    db: Database, crew: Crew, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Short keys, so a rebalance comes within a few placements (100 items need none at 64).
    monkeypatch.setattr(ordering, "MAX_KEY_LENGTH", 4)
    monkeypatch.setattr(checklists, "MAX_PER_TASK", 30)
    task = await a_task(db, crew)
    low = await add(db, crew, task.id, "low")
    high = await add(db, crew, task.id, "high")
    names = []
    for index in range(checklists.MAX_PER_TASK - 2):
        async with db.session() as tx:
            _, events = await checklists.create_item(
                tx=tx, actor=crew.editor, task_id=task.id,
                cmd=ChecklistItemCreate(text=f"i{index}", after_id=low.id, before_id=high.id),
            )  # fmt: skip
            await tx.commit()
        names += [e.name for e in events]
        for event in events:
            checked(event)
        async with db.session() as tx:
            low = await tx.get_one(ChecklistItem, events[-1].data["id"])
    assert "checklist.rebalanced" in names
    # A rebalance takes its own seq, just before the creation that needed it.
    assert names[names.index("checklist.rebalanced") + 1] == "checklist.created"
    listed = await order(db, crew, task.id)
    assert listed == ["low", *[f"i{i}" for i in range(checklists.MAX_PER_TASK - 2)], "high"]
    seq = await board_seq(db, crew)
    async with db.session() as tx:
        with pytest.raises(Invalid):
            await checklists.create_item(
                tx=tx, actor=crew.editor, task_id=task.id, cmd=ChecklistItemCreate(text="101")
            )
    assert await board_seq(db, crew) == seq
    row = await task_row(db, task.id)
    assert row is not None and row.checklist_total == checklists.MAX_PER_TASK


async def test_roles(db: Database, crew: Crew) -> None:
    task = await a_task(db, crew)
    item = await add(db, crew, task.id)
    async with db.session() as tx:
        with pytest.raises(Forbidden):
            await checklists.create_item(
                tx=tx, actor=crew.viewer, task_id=task.id, cmd=ChecklistItemCreate(text="x")
            )
        with pytest.raises(Forbidden):
            await checklists.update_item(
                tx=tx, actor=crew.viewer, item_id=item.id, cmd=ChecklistItemUpdate(done=True)
            )
        with pytest.raises(NotFound) as stranger:
            await checklists.delete_item(tx=tx, actor=crew.stranger, item_id=item.id)
        with pytest.raises(NotFound) as missing:
            await checklists.delete_item(tx=tx, actor=crew.owner, item_id=item.id + 99)
        with pytest.raises(NotFound):
            await checklists.list_items(tx=tx, actor=crew.stranger, task_id=task.id)
    assert stranger.value.message == missing.value.message == "checklist item not found"
    async with db.session() as tx:
        await checklists.delete_item(tx=tx, actor=crew.owner, item_id=item.id)
        await tx.commit()
