"""The label service: board labels, their limits, and labels on tasks."""

from __future__ import annotations

import pytest

from taskflow.database import Database
from taskflow.errors import Conflict, Forbidden, Invalid, NotFound
from taskflow.models import Label
from taskflow.schemas import BoardCreate, LabelCreate, LabelUpdate, TaskUpdate
from taskflow.services import boards, labels, tasks
from taskflow.services.task_filter import TaskFilter
from tests.services.cards import a_task, board_seq, checked, task_row, verbs
from tests.services.conftest import Crew


async def make_label(db: Database, crew: Crew, name: str = "Bug", color: str = "red") -> Label:
    async with db.session() as tx:
        label, _ = await labels.create_label(
            tx=tx,
            actor=crew.editor,
            board_id=crew.board.id,
            cmd=LabelCreate.model_validate({"name": name, "color": color}),
        )
        await tx.commit()
    return label


async def test_create_update_delete_are_one_event_each(db: Database, crew: Crew) -> None:
    async with db.session() as tx:
        label, created = await labels.create_label(
            tx=tx, actor=crew.editor, board_id=crew.board.id,
            cmd=LabelCreate(name="Bug", color="red"),
        )  # fmt: skip
        await tx.commit()
    assert checked(created)["name"] == "label.created"
    assert created.data["name"] == "Bug" and created.data["color"] == "red"
    async with db.session() as tx:
        _, updated = await labels.update_label(
            tx=tx, actor=crew.editor, label_id=label.id, cmd=LabelUpdate(color="blue")
        )
        await tx.commit()
    assert checked(updated)["data"]["color"] == "blue"
    async with db.session() as tx:
        _, deleted = await labels.delete_label(tx=tx, actor=crew.owner, label_id=label.id)
        await tx.commit()
    assert checked(deleted)["data"] == {"id": label.id, "board_id": crew.board.id}
    # Two member.added came first; then one seq per change, no gap.
    assert [e.seq for e in (created, updated, deleted)] == [3, 4, 5]
    assert (await verbs(db, crew.board.id))[2:] == [
        (3, "label.created"), (4, "label.updated"), (5, "label.deleted"),
    ]  # fmt: skip


async def test_names_are_unique_in_any_case_and_limited_per_board(db: Database, crew: Crew) -> None:
    await make_label(db, crew, "Bug")
    seq = await board_seq(db, crew)
    async with db.session() as tx:
        with pytest.raises(Conflict):
            await labels.create_label(
                tx=tx, actor=crew.editor, board_id=crew.board.id, cmd=LabelCreate(name="BUG")
            )
    other = await make_label(db, crew, "Feature")
    async with db.session() as tx:
        with pytest.raises(Conflict):
            await labels.update_label(
                tx=tx, actor=crew.editor, label_id=other.id, cmd=LabelUpdate(name="bug")
            )
    for index in range(labels.MAX_PER_BOARD - 2):
        await make_label(db, crew, f"L{index}")
    seq = await board_seq(db, crew)
    async with db.session() as tx:
        with pytest.raises(Invalid):
            await labels.create_label(
                tx=tx, actor=crew.editor, board_id=crew.board.id, cmd=LabelCreate(name="One more")
            )
    assert await board_seq(db, crew) == seq
    # Another board has room of its own, and the same names.
    async with db.session() as tx:
        board = await boards.create_board(tx=tx, actor=crew.editor, cmd=BoardCreate(name="B"))
        await labels.create_label(
            tx=tx, actor=crew.editor, board_id=board.id, cmd=LabelCreate(name="Bug")
        )
        await tx.commit()


async def test_roles(db: Database, crew: Crew) -> None:
    label = await make_label(db, crew)
    async with db.session() as tx:
        assert [
            x.id for x in await labels.list_labels(tx=tx, actor=crew.viewer, board_id=crew.board.id)
        ] == [label.id]
        with pytest.raises(NotFound):
            await labels.list_labels(tx=tx, actor=crew.stranger, board_id=crew.board.id)
        with pytest.raises(Forbidden):
            await labels.create_label(
                tx=tx, actor=crew.viewer, board_id=crew.board.id, cmd=LabelCreate(name="x")
            )
        with pytest.raises(Forbidden):
            await labels.delete_label(tx=tx, actor=crew.viewer, label_id=label.id)
        with pytest.raises(NotFound) as stranger:
            await labels.update_label(
                tx=tx, actor=crew.stranger, label_id=label.id, cmd=LabelUpdate(name="x")
            )
        with pytest.raises(NotFound) as missing:
            await labels.delete_label(tx=tx, actor=crew.editor, label_id=label.id + 99)
        with pytest.raises(NotFound):
            await labels.delete_label(
                tx=tx, actor=crew.editor, label_id=label.id, board_id=crew.board.id + 99
            )
    assert stranger.value.message == missing.value.message == "label not found"


async def test_labels_on_tasks_and_deletion_takes_them_off(db: Database, crew: Crew) -> None:
    bug, ux = await make_label(db, crew, "Bug"), await make_label(db, crew, "UX")
    task = await a_task(db, crew, label_ids=[ux.id, bug.id])
    assert task.label_ids == [ux.id, bug.id]
    async with db.session() as tx:
        for wrong in ([bug.id, bug.id], [bug.id + 99]):
            with pytest.raises(Invalid):
                await tasks.update_task(
                    tx=tx, actor=crew.editor, task_id=task.id, cmd=TaskUpdate(label_ids=wrong)
                )
        with pytest.raises(Invalid):
            await tasks.update_task(
                tx=tx, actor=crew.editor, task_id=task.id,
                cmd=TaskUpdate.model_validate({"label_ids": None}),
            )  # fmt: skip
    async with db.session() as tx:
        updated, [event] = await tasks.update_task(
            tx=tx, actor=crew.editor, task_id=task.id, cmd=TaskUpdate(label_ids=[bug.id])
        )
        await tx.commit()
    assert checked(event)["data"]["label_ids"] == [bug.id] and updated.version == 2
    other = await a_task(db, crew, "Other", label_ids=[bug.id])
    async with db.session() as tx:
        await labels.delete_label(tx=tx, actor=crew.editor, label_id=bug.id)
        await tx.commit()
    for kept in (task, other):
        row = await task_row(db, kept.id)
        assert (
            row is not None and row.label_ids == [] and row.version == kept.version + (kept is task)
        )


async def test_a_label_of_another_board_is_refused(db: Database, crew: Crew) -> None:
    async with db.session() as tx:
        board = await boards.create_board(tx=tx, actor=crew.editor, cmd=BoardCreate(name="B"))
        foreign, _ = await labels.create_label(
            tx=tx, actor=crew.editor, board_id=board.id, cmd=LabelCreate(name="Foreign")
        )
        await tx.commit()
    with pytest.raises(Invalid):
        await a_task(db, crew, label_ids=[foreign.id])


async def test_filter_by_labels_assignee_and_text(db: Database, crew: Crew) -> None:
    bug, ux = await make_label(db, crew, "Bug"), await make_label(db, crew, "UX")
    both = await a_task(db, crew, "Fix the LOGIN form", label_ids=[bug.id, ux.id])
    one = await a_task(db, crew, "Crash", description="on login", label_ids=[bug.id],
                       assignee_id=crew.viewer.id)  # fmt: skip
    plain = await a_task(db, crew, "Plain")

    async def found(**parts: object) -> list[int]:
        async with db.session() as tx:
            rows = await tasks.list_tasks(
                tx=tx, actor=crew.viewer, board_id=crew.board.id, filters=TaskFilter(**parts)
            )
        return [t.id for t in rows]

    assert await found() == [both.id, one.id, plain.id]
    assert await found(label_ids=(bug.id,)) == [both.id, one.id]
    assert await found(label_ids=(bug.id, ux.id)) == [both.id]
    assert await found(assignee_id=crew.viewer.id) == [one.id]
    assert await found(text="login") == [both.id, one.id]
    assert await found(text="LOGIN", label_ids=(ux.id,)) == [both.id]
    with pytest.raises(Invalid):
        await found(label_ids=(ux.id + 99,))
