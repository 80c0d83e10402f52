"""The comment service: who may write what, the card's count, the trash and restore."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from taskflow.database import Database
from taskflow.errors import Conflict, Forbidden, Invalid, NotFound
from taskflow.models import ChecklistItem, Comment, TrashItem
from taskflow.schemas import ChecklistItemCreate, CommentCreate, CommentUpdate
from taskflow.services import checklists, comments, tasks
from tests.services.cards import a_task, board_seq, checked, task_row, verbs
from tests.services.conftest import Crew


async def add(
    db: Database, crew: Crew, task_id: int, body: str = "Hi", who: str = "editor"
) -> Comment:
    async with db.session() as tx:
        comment, _ = await comments.create_comment(
            tx=tx, actor=getattr(crew, who), task_id=task_id, cmd=CommentCreate(body=body)
        )
        await tx.commit()
    return comment


async def test_each_change_is_one_event_with_the_cards_count(db: Database, crew: Crew) -> None:
    task = await a_task(db, crew)
    async with db.session() as tx:
        comment, created = await comments.create_comment(
            tx=tx, actor=crew.editor, task_id=task.id, cmd=CommentCreate(body="First")
        )
        await tx.commit()
    frame = checked(created)
    assert frame["name"] == "comment.created" and frame["data"]["author_id"] == crew.editor.id
    assert frame["data"]["task"] == {
        "id": task.id, "comment_count": 1, "checklist_total": 0, "checklist_done": 0,
    }  # fmt: skip
    async with db.session() as tx:
        _, updated = await comments.update_comment(
            tx=tx, actor=crew.editor, comment_id=comment.id, cmd=CommentUpdate(body="Edited")
        )
        await tx.commit()
    assert checked(updated)["data"]["body"] == "Edited"
    async with db.session() as tx:
        _, deleted = await comments.delete_comment(tx=tx, actor=crew.editor, comment_id=comment.id)
        await tx.commit()
    assert checked(deleted)["data"] == {
        "id": comment.id, "task_id": task.id, "board_id": crew.board.id,
        "task": {"id": task.id, "comment_count": 0, "checklist_total": 0, "checklist_done": 0},
    }  # fmt: skip
    async with db.session() as tx:
        restored, back = await comments.restore_comment(
            tx=tx, actor=crew.editor, comment_id=comment.id
        )
        await tx.commit()
    assert restored.id == comment.id and restored.body == "Edited"
    assert checked(back)["data"]["task"]["comment_count"] == 1
    seqs = [e.seq for e in (created, updated, deleted, back)]
    assert seqs == list(range(seqs[0], seqs[0] + 4))
    assert [v for _, v in await verbs(db, crew.board.id)][-4:] == [
        "comment.created", "comment.updated", "comment.deleted", "comment.restored",
    ]  # fmt: skip
    row = await task_row(db, task.id)
    assert row is not None and row.comment_count == 1 and row.version == 1


async def test_oldest_first_and_readers_may_list(db: Database, crew: Crew) -> None:
    task = await a_task(db, crew)
    first = await add(db, crew, task.id, "one")
    second = await add(db, crew, task.id, "two", who="owner")
    async with db.session() as tx:
        listed = await comments.list_comments(tx=tx, actor=crew.viewer, task_id=task.id)
        assert [c.id for c in listed] == [first.id, second.id]
        with pytest.raises(NotFound):
            await comments.list_comments(tx=tx, actor=crew.stranger, task_id=task.id)


async def test_who_may_edit_and_delete(db: Database, crew: Crew) -> None:
    task = await a_task(db, crew)
    by_editor = await add(db, crew, task.id)
    seq = await board_seq(db, crew)
    async with db.session() as tx:
        for actor in (crew.owner, crew.viewer):
            with pytest.raises(Forbidden):
                await comments.update_comment(
                    tx=tx, actor=actor, comment_id=by_editor.id, cmd=CommentUpdate(body="x")
                )
        with pytest.raises(Forbidden):
            await comments.delete_comment(tx=tx, actor=crew.viewer, comment_id=by_editor.id)
        with pytest.raises(Forbidden):
            await comments.create_comment(
                tx=tx, actor=crew.viewer, task_id=task.id, cmd=CommentCreate(body="x")
            )
        with pytest.raises(NotFound):
            await comments.delete_comment(tx=tx, actor=crew.stranger, comment_id=by_editor.id)
    assert await board_seq(db, crew) == seq
    by_owner = await add(db, crew, task.id, who="owner")
    async with db.session() as tx:
        with pytest.raises(Forbidden):
            await comments.delete_comment(tx=tx, actor=crew.editor, comment_id=by_owner.id)
        # The owner may delete anyone's comment.
        await comments.delete_comment(tx=tx, actor=crew.owner, comment_id=by_editor.id)
        await tx.commit()


async def test_the_limit_per_task(
    db: Database, crew: Crew, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(comments, "MAX_PER_TASK", 2)
    task = await a_task(db, crew)
    await add(db, crew, task.id)
    await add(db, crew, task.id)
    seq = await board_seq(db, crew)
    async with db.session() as tx:
        with pytest.raises(Invalid):
            await comments.create_comment(
                tx=tx, actor=crew.editor, task_id=task.id, cmd=CommentCreate(body="third")
            )
    assert await board_seq(db, crew) == seq
    row = await task_row(db, task.id)
    assert row is not None and row.comment_count == 2


async def test_restore_needs_the_task_and_the_trash(db: Database, crew: Crew) -> None:
    task = await a_task(db, crew)
    comment = await add(db, crew, task.id)
    async with db.session() as tx:
        with pytest.raises(NotFound):  # not in the trash
            await comments.restore_comment(tx=tx, actor=crew.editor, comment_id=comment.id)
        await comments.delete_comment(tx=tx, actor=crew.editor, comment_id=comment.id)
        await tx.commit()
    async with db.session() as tx:
        kept = (await tx.execute(select(TrashItem).where(TrashItem.kind == "comment"))).scalar_one()
        assert (kept.object_id, kept.board_id, kept.title) == (comment.id, crew.board.id, "Hi")
        with pytest.raises(Forbidden):
            await comments.restore_comment(tx=tx, actor=crew.viewer, comment_id=comment.id)
        with pytest.raises(NotFound):
            await comments.restore_comment(tx=tx, actor=crew.stranger, comment_id=comment.id)
    async with db.session() as tx:
        await tasks.delete_task(tx=tx, actor=crew.editor, task_id=task.id)
        await tx.commit()
    seq = await board_seq(db, crew)
    async with db.session() as tx:
        with pytest.raises(Conflict):
            await comments.restore_comment(tx=tx, actor=crew.editor, comment_id=comment.id)
    assert await board_seq(db, crew) == seq


async def test_a_deleted_task_takes_its_comments_and_items_along(db: Database, crew: Crew) -> None:
    task = await a_task(db, crew)
    await add(db, crew, task.id)
    async with db.session() as tx:
        await checklists.create_item(
            tx=tx, actor=crew.editor, task_id=task.id, cmd=ChecklistItemCreate(text="x")
        )
        await tasks.delete_task(tx=tx, actor=crew.editor, task_id=task.id)
        await tx.commit()
    async with db.session() as tx:
        for model in (Comment, ChecklistItem):
            assert (await tx.execute(select(model))).first() is None
