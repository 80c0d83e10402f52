"""The task service as the WebSocket layer calls it: results, events, errors."""

from __future__ import annotations

import asyncio

import orjson
import pytest
from sqlalchemy import select

from devstack import asyncapi
from taskflow.database import Database
from taskflow.errors import Forbidden, Invalid, NotFound, VersionConflict
from taskflow.models import ActivityOutbox, Task
from taskflow.schemas import BoardCreate, TaskCreate, TaskUpdate
from taskflow.services import boards, members, tasks
from taskflow.services.payloads import task_data
from tests.services.conftest import Crew


async def create(db: Database, crew: Crew, title: str = "Write", **fields: object) -> Task:
    async with db.session() as tx:
        task, _ = await tasks.create_task(
            tx=tx,
            actor=crew.editor,
            board_id=crew.board.id,
            cmd=TaskCreate.model_validate({"title": title, **fields}),
        )
        await tx.commit()
    return task


async def outbox_entry(db: Database, board_id: int, seq: int) -> dict[str, object]:
    async with db.session() as tx:
        row = await tx.execute(
            select(ActivityOutbox.entry).where(
                ActivityOutbox.board_id == board_id, ActivityOutbox.seq == seq
            )
        )
        entry: dict[str, object] = row.scalar_one()
        return entry


async def test_create_returns_the_task_and_its_event(db: Database, crew: Crew) -> None:
    async with db.session() as tx:
        task, [event] = await tasks.create_task(
            tx=tx, actor=crew.editor, board_id=crew.board.id, cmd=TaskCreate(title="Write")
        )
        await tx.commit()
    # Two member.added events came first.
    assert (event.board_id, event.seq, event.name) == (crew.board.id, 3, "task.created")
    assert event.data == task_data(task)
    frame = orjson.loads(event.frame)
    asyncapi.check_server_frame(frame)  # the frame every subscriber gets
    assert frame["type"] == "event" and frame["seq"] == 3 and frame["data"] == event.data
    assert frame["actor"] == {"id": crew.editor.id, "username": crew.editor.username}
    entry = await outbox_entry(db, crew.board.id, 3)
    assert entry["verb"] == "task.created"
    assert entry["target"] == {"type": "task", "id": task.id, "title": "Write"}


async def test_update_checks_version_from_argument_then_command(db: Database, crew: Crew) -> None:
    task = await create(db, crew)
    for kwargs, cmd in (
        ({"expected_version": 5}, TaskUpdate(title="x")),
        ({}, TaskUpdate(title="x", version=2)),
        ({"expected_version": 7}, TaskUpdate(title="x", version=1)),
    ):
        async with db.session() as tx:
            with pytest.raises(VersionConflict) as caught:
                await tasks.update_task(
                    tx=tx, actor=crew.editor, task_id=task.id, cmd=cmd, **kwargs
                )
        assert caught.value.detail == task_data(task)
        assert caught.value.status_code == 412 and caught.value.code == "conflict"
    async with db.session() as tx:
        updated, [event] = await tasks.update_task(
            tx=tx, actor=crew.editor, task_id=task.id, cmd=TaskUpdate(title="y", version=1)
        )
        await tx.commit()
    assert updated.version == 2 and event.name == "task.updated" and event.data["title"] == "y"


async def test_board_id_scopes_the_task(db: Database, crew: Crew) -> None:
    task = await create(db, crew)
    async with db.session() as tx:
        other = await boards.create_board(tx=tx, actor=crew.editor, cmd=BoardCreate(name="Own"))
        await tx.commit()
    async with db.session() as tx:
        with pytest.raises(NotFound):
            await tasks.update_task(
                tx=tx, actor=crew.editor, task_id=task.id, cmd=TaskUpdate(title="x"),
                board_id=other.id,
            )  # fmt: skip
    async with db.session() as tx:
        with pytest.raises(NotFound):
            await tasks.delete_task(tx=tx, actor=crew.editor, task_id=task.id, board_id=other.id)
    async with db.session() as tx:
        _, event = await tasks.delete_task(
            tx=tx, actor=crew.editor, task_id=task.id, board_id=crew.board.id
        )
        await tx.commit()
    assert event.name == "task.deleted"
    assert event.data == {"id": task.id, "board_id": crew.board.id, "column_id": task.column_id}


async def test_roles_and_missing_tasks(db: Database, crew: Crew) -> None:
    task = await create(db, crew)
    cmd = TaskUpdate(title="x")
    async with db.session() as tx:
        with pytest.raises(Forbidden):
            await tasks.update_task(tx=tx, actor=crew.viewer, task_id=task.id, cmd=cmd)
        with pytest.raises(Forbidden):
            await tasks.create_task(
                tx=tx, actor=crew.viewer, board_id=crew.board.id, cmd=TaskCreate(title="x")
            )
        with pytest.raises(NotFound) as stranger:
            await tasks.update_task(tx=tx, actor=crew.stranger, task_id=task.id, cmd=cmd)
        with pytest.raises(NotFound) as missing:
            await tasks.update_task(tx=tx, actor=crew.editor, task_id=task.id + 99, cmd=cmd)
    # The same answer whether the task exists on someone else's board or not at all.
    assert stranger.value.detail == missing.value.detail == "task not found"


async def test_a_move_is_verb_task_moved(db: Database, crew: Crew) -> None:
    first = await create(db, crew, "first")
    second = await create(db, crew, "second")
    async with db.session() as tx:
        moved, [event] = await tasks.update_task(
            tx=tx, actor=crew.editor, task_id=second.id,
            cmd=TaskUpdate(before_id=first.id, title="now first"),
        )  # fmt: skip
        await tx.commit()
    assert event.name == "task.updated" and moved.position < first.position
    entry = await outbox_entry(db, crew.board.id, event.seq)
    assert entry["verb"] == "task.moved"
    changes = entry["changes"]
    assert isinstance(changes, dict) and set(changes) == {"position", "title"}


async def test_nothing_to_change_is_invalid(db: Database, crew: Crew) -> None:
    task = await create(db, crew)
    async with db.session() as tx:
        with pytest.raises(Invalid):
            await tasks.update_task(tx=tx, actor=crew.editor, task_id=task.id, cmd=TaskUpdate())
        with pytest.raises(Invalid):
            await tasks.update_task(
                tx=tx, actor=crew.editor, task_id=task.id, cmd=TaskUpdate(version=1)
            )


async def test_a_write_waiting_on_a_removal_sees_it(db: Database, crew: Crew) -> None:
    task = await create(db, crew)
    async with db.session() as removal:
        await members.remove_member(
            tx=removal, actor=crew.owner, board_id=crew.board.id, user_id=crew.editor.id
        )

        async def edit() -> None:
            async with db.session() as tx:
                await tasks.update_task(
                    tx=tx, actor=crew.editor, task_id=task.id, cmd=TaskUpdate(title="late")
                )
                await tx.commit()

        # The editor's write waits for the board lock the removal holds.
        waiting = asyncio.create_task(edit())
        await asyncio.sleep(0.3)
        assert not waiting.done()
        await removal.commit()
    with pytest.raises(NotFound):
        await waiting
