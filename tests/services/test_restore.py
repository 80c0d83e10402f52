"""Deleted tasks and columns go to the trash and come back with their id, at their place."""

from __future__ import annotations

from datetime import timedelta

import orjson
import pytest
from sqlalchemy import select, update

from devstack import asyncapi
from taskflow.database import Database
from taskflow.errors import Conflict, Forbidden, NotFound
from taskflow.models import ChecklistItem, Column, Comment, Task, TrashItem, User
from taskflow.schemas import ColumnCreate, TaskUpdate
from taskflow.services import columns, members, restore, tasks
from taskflow.services.payloads import task_data
from taskflow.types import utcnow
from tests.services.conftest import Crew
from tests.services.test_tasks import create, outbox_entry


async def add_details(db: Database, crew: Crew, task: Task) -> None:
    """Two comments and three checklist items (one done), written as their services would."""
    now = utcnow()
    async with db.session() as tx:
        for body in ("first", "second"):
            tx.add(Comment(task_id=task.id, board_id=crew.board.id, author_id=crew.editor.id,
                           body=body, created_at=now, updated_at=now))  # fmt: skip
        for text, key, done in (("a", "a0", True), ("b", "a1", False), ("c", "a2", False)):
            tx.add(ChecklistItem(task_id=task.id, board_id=crew.board.id, text=text, done=done,
                                 position=key, created_at=now, updated_at=now))  # fmt: skip
        await tx.execute(
            update(Task)
            .where(Task.id == task.id)
            .values(comment_count=2, checklist_total=3, checklist_done=1)
        )
        await tx.commit()


async def delete(db: Database, actor: User, task_id: int) -> None:
    async with db.session() as tx:
        await tasks.delete_task(tx=tx, actor=actor, task_id=task_id)
        await tx.commit()


async def rows(db: Database, model: type[Comment] | type[ChecklistItem], task_id: int) -> list:
    async with db.session() as tx:
        found = await tx.execute(select(model).where(model.task_id == task_id).order_by(model.id))
        return list(found.scalars())


async def test_a_deleted_task_comes_back_whole(db: Database, crew: Crew) -> None:
    before = await create(db, crew, "before")
    task = await create(db, crew, "kept", description="words")
    after = await create(db, crew, "after")
    await add_details(db, crew, task)
    comments, items = await rows(db, Comment, task.id), await rows(db, ChecklistItem, task.id)
    async with db.session() as tx:
        original = task_data(await tx.get_one(Task, task.id))
    await delete(db, crew.editor, task.id)
    assert await rows(db, Comment, task.id) == [] and await rows(db, ChecklistItem, task.id) == []
    async with db.session() as tx:
        restored, [event] = await restore.restore_task(tx=tx, actor=crew.editor, task_id=task.id)
        await tx.commit()
    data = task_data(restored)
    assert data["id"] == task.id and data["column_id"] == original["column_id"]
    assert data["position"] == original["position"]
    assert before.position < data["position"] < after.position
    assert data["version"] == original["version"] + 1
    assert (data["comment_count"], data["checklist_total"], data["checklist_done"]) == (2, 3, 1)
    unchanged = {k for k in original if k not in ("version", "updated_at")}
    assert {k: data[k] for k in unchanged} == {k: original[k] for k in unchanged}
    back = [(c.id, c.body, c.author_id) for c in await rows(db, Comment, task.id)]
    assert back == [(c.id, c.body, c.author_id) for c in comments]
    back_items = [
        (i.id, i.text, i.done, i.position) for i in await rows(db, ChecklistItem, task.id)
    ]
    assert back_items == [(i.id, i.text, i.done, i.position) for i in items]
    assert (event.name, event.seq, event.data) == ("task.restored", 7, data)
    asyncapi.check_server_frame(orjson.loads(event.frame))
    entry = await outbox_entry(db, crew.board.id, event.seq)
    assert entry["verb"] == "task.restored"
    assert entry["target"] == {"type": "task", "id": task.id, "title": "kept"}
    async with db.session() as tx:
        assert (await tx.execute(select(TrashItem))).first() is None
    with pytest.raises(NotFound):  # restored once: no longer in the trash
        async with db.session() as tx:
            await restore.restore_task(tx=tx, actor=crew.editor, task_id=task.id)


async def test_a_taken_key_puts_the_task_right_after_its_holder(db: Database, crew: Crew) -> None:
    first = await create(db, crew, "first")
    task = await create(db, crew, "gone")
    last = await create(db, crew, "last")
    await delete(db, crew.editor, task.id)
    async with db.session() as tx:  # another task now sits at the deleted task's key
        await tx.execute(update(Task).where(Task.id == last.id).values(position=task.position))
        await tx.commit()
    async with db.session() as tx:
        restored, [event] = await restore.restore_task(tx=tx, actor=crew.owner, task_id=task.id)
        await tx.commit()
    assert event.name == "task.restored"
    assert restored.position != task.position and restored.position > task.position
    async with db.session() as tx:
        order = await tasks.list_tasks(tx=tx, actor=crew.viewer, board_id=crew.board.id)
    assert [t.id for t in order] == [first.id, last.id, task.id]


async def test_a_task_whose_column_is_gone_asks_for_the_column_first(
    db: Database, crew: Crew
) -> None:
    async with db.session() as tx:
        column, _ = await columns.create_column(
            tx=tx, actor=crew.editor, board_id=crew.board.id, cmd=ColumnCreate(name="Extra")
        )
        await tx.commit()
    task = await create(db, crew, "in extra", column_id=column.id)
    await delete(db, crew.editor, task.id)
    async with db.session() as tx:
        await columns.delete_column(tx=tx, actor=crew.editor, column_id=column.id)
        await tx.commit()
    with pytest.raises(Conflict, match="restore the column first"):
        async with db.session() as tx:
            await restore.restore_task(tx=tx, actor=crew.editor, task_id=task.id)
    async with db.session() as tx:
        back, [event] = await restore.restore_column(tx=tx, actor=crew.editor, column_id=column.id)
        await tx.commit()
    assert (back.id, back.name, back.position) == (column.id, "Extra", column.position)
    assert event.name == "column.restored" and event.data["id"] == column.id
    asyncapi.check_server_frame(orjson.loads(event.frame))
    assert (await outbox_entry(db, crew.board.id, event.seq))["verb"] == "column.restored"
    async with db.session() as tx:
        task_back, _ = await restore.restore_task(tx=tx, actor=crew.editor, task_id=task.id)
        await tx.commit()
    assert task_back.column_id == column.id


async def test_a_taken_column_key_puts_the_column_right_after(db: Database, crew: Crew) -> None:
    async with db.session() as tx:
        found = await tx.execute(
            select(Column).where(Column.board_id == crew.board.id).order_by(Column.position)
        )
        todo, doing, done = found.scalars()
        await columns.delete_column(tx=tx, actor=crew.owner, column_id=doing.id)
        await tx.commit()
    async with db.session() as tx:
        await tx.execute(update(Column).where(Column.id == done.id).values(position=doing.position))
        await tx.commit()
    async with db.session() as tx:
        await restore.restore_column(tx=tx, actor=crew.owner, column_id=doing.id)
        await tx.commit()
    async with db.session() as tx:
        found = await tx.execute(
            select(Column.id).where(Column.board_id == crew.board.id).order_by(Column.position)
        )
        assert list(found.scalars()) == [todo.id, done.id, doing.id]


async def test_roles_and_expiry(db: Database, crew: Crew) -> None:
    task = await create(db, crew, "t")
    await delete(db, crew.owner, task.id)
    with pytest.raises(Forbidden):
        async with db.session() as tx:
            await restore.restore_task(tx=tx, actor=crew.viewer, task_id=task.id)
    with pytest.raises(NotFound) as stranger:
        async with db.session() as tx:
            await restore.restore_task(tx=tx, actor=crew.stranger, task_id=task.id)
    with pytest.raises(NotFound) as other_board:  # a WebSocket on another board
        async with db.session() as tx:
            await restore.restore_task(
                tx=tx, actor=crew.owner, task_id=task.id, board_id=crew.board.id + 1
            )
    assert stranger.value.detail == other_board.value.detail == "task not found in the trash"
    async with db.session() as tx:
        await tx.execute(update(TrashItem).values(expires_at=utcnow() - timedelta(seconds=1)))
        await tx.commit()
    with pytest.raises(NotFound):
        async with db.session() as tx:
            await restore.restore_task(tx=tx, actor=crew.owner, task_id=task.id)


async def test_the_assignee_who_left_and_deleted_labels_stay_off(db: Database, crew: Crew) -> None:
    task = await create(db, crew, "t", assignee_id=crew.viewer.id)
    async with db.session() as tx:
        await tasks.update_task(
            tx=tx, actor=crew.editor, task_id=task.id, cmd=TaskUpdate(title="renamed")
        )
        await tx.commit()
    await delete(db, crew.editor, task.id)
    async with db.session() as tx:
        item = (await tx.execute(select(TrashItem))).scalar_one()
        item.payload = {
            **item.payload,
            "task": {**item.payload["task"], "label_ids": [987654]},
        }
        await tx.commit()
    async with db.session() as tx:
        await members.remove_member(
            tx=tx, actor=crew.owner, board_id=crew.board.id, user_id=crew.viewer.id
        )
        await tx.commit()
    async with db.session() as tx:
        back, _ = await restore.restore_task(tx=tx, actor=crew.editor, task_id=task.id)
        await tx.commit()
    assert back.assignee_id is None and back.label_ids == [] and back.version == 3
    assert back.title == "renamed"
