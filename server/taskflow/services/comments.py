"""Comments on a card: add, edit (the author), delete to the trash (the author or the owner),
restore with the same id. The card's `comment_count` changes in the same transaction."""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from taskflow.errors import Conflict, Forbidden, Invalid, NotFound
from taskflow.models import Comment, Task, TrashItem, User
from taskflow.schemas import CommentCreate, CommentPublic, CommentUpdate
from taskflow.services.access import OWNER, READERS, WRITERS, claim_seq_as, member_role
from taskflow.services.card_lock import fresh_task, lock_task, readable_task
from taskflow.services.card_payloads import comment_data, gone
from taskflow.services.events import Activity, Event, record_event
from taskflow.services.trash import keep_in_trash, take_from_trash
from taskflow.types import utcnow

MISSING: Final = "comment not found"
TASK_MISSING: Final = "task not found"
MAX_PER_TASK: Final = 500
KIND: Final = "comment"


async def list_comments(*, tx: AsyncSession, actor: User, task_id: int) -> list[Comment]:
    """The task's comments, oldest first (readers)."""
    await readable_task(tx, actor=actor, task_id=task_id, allowed=READERS, missing=TASK_MISSING)
    query = select(Comment).where(Comment.task_id == task_id).order_by(Comment.id)
    return list((await tx.execute(query)).scalars())


async def create_comment(
    *,
    tx: AsyncSession,
    actor: User,
    task_id: int,
    cmd: CommentCreate,
    board_id: int | None = None,
) -> tuple[Comment, Event]:
    """Add a comment by the actor, last on the task."""
    locked = await lock_task(
        tx, actor=actor, task_id=task_id, board_id=board_id, missing=TASK_MISSING
    )
    task = locked.task
    await _require_room(tx, task)
    now = utcnow()
    comment = Comment(
        task_id=task.id, board_id=task.board_id, author_id=actor.id, body=cmd.body,
        created_at=now, updated_at=now,
    )  # fmt: skip
    tx.add(comment)
    task.comment_count += 1
    await tx.flush()
    changes = {"body": {"from": None, "to": comment.body}}
    return comment, await _record(tx, actor, "comment.created", comment, task, locked.seq, changes)


async def update_comment(
    *,
    tx: AsyncSession,
    actor: User,
    comment_id: int,
    cmd: CommentUpdate,
    board_id: int | None = None,
) -> tuple[Comment, Event]:
    """Change the comment's body; only its author may (Forbidden otherwise)."""
    comment, task, seq = await _lock_for_write(tx, actor, comment_id, board_id)
    if comment.author_id != actor.id:
        raise Forbidden("only its author may edit a comment")
    changes = {"body": {"from": comment.body, "to": cmd.body}} if comment.body != cmd.body else {}
    comment.body = cmd.body
    comment.updated_at = utcnow()
    await tx.flush()
    return comment, await _record(tx, actor, "comment.updated", comment, task, seq, changes)


async def delete_comment(
    *, tx: AsyncSession, actor: User, comment_id: int, board_id: int | None = None
) -> tuple[Comment, Event]:
    """Move the comment to the board's trash; its author or the board's owner may."""
    comment, task, seq = await _lock_for_write(tx, actor, comment_id, board_id)
    if comment.author_id != actor.id:
        role = await member_role(tx=tx, board_id=comment.board_id, user_id=actor.id)
        if role != OWNER:
            raise Forbidden("only its author or the board's owner may delete a comment")
    payload = CommentPublic.model_validate(comment).model_dump(mode="json")
    await keep_in_trash(
        tx, board_id=comment.board_id, kind=KIND, object_id=comment.id,
        title=(comment.body.strip().splitlines() or [comment.body])[0],
        payload=payload, actor=actor,
    )  # fmt: skip
    await tx.delete(comment)
    task.comment_count -= 1
    await tx.flush()
    activity = Activity("comment.deleted", "comment", comment.id, task.title, {})
    event = await record_event(
        tx, board_id=comment.board_id, seq=seq, name="comment.deleted", actor=actor,
        data=gone(comment, task), activity=activity,
    )  # fmt: skip
    return comment, event


async def restore_comment(
    *, tx: AsyncSession, actor: User, comment_id: int, board_id: int | None = None
) -> tuple[Comment, Event]:
    """Put a trashed comment back on its task with the same id; Conflict if the task is gone."""
    located = await tx.scalar(
        select(TrashItem.board_id).where(TrashItem.kind == KIND, TrashItem.object_id == comment_id)
    )
    if located is None or (board_id is not None and located != board_id):
        raise NotFound(MISSING)
    seq = await claim_seq_as(tx=tx, board_id=located, user=actor, allowed=WRITERS, missing=MISSING)
    item = await take_from_trash(tx, kind=KIND, object_id=comment_id, missing=MISSING)
    kept = CommentPublic.model_validate(item.payload)
    try:
        task = await fresh_task(tx, task_id=kept.task_id, missing=TASK_MISSING)
    except NotFound:
        raise Conflict("the comment's task is gone: restore the task first") from None
    await _require_room(tx, task)
    comment = Comment(**kept.model_dump())
    if comment.author_id is not None and await tx.get(User, comment.author_id) is None:
        comment.author_id = None  # as the foreign key would have done had it stayed
    tx.add(comment)
    task.comment_count += 1
    await tx.flush()
    changes = {"body": {"from": None, "to": comment.body}}
    return comment, await _record(tx, actor, "comment.restored", comment, task, seq, changes)


async def _require_room(tx: AsyncSession, task: Task) -> None:
    count = await tx.scalar(select(func.count()).where(Comment.task_id == task.id))
    if (count or 0) >= MAX_PER_TASK:
        raise Invalid(f"a task holds at most {MAX_PER_TASK} comments")


async def _record(
    tx: AsyncSession,
    actor: User,
    name: str,
    comment: Comment,
    task: Task,
    seq: int,
    changes: dict[str, dict[str, Any]],
) -> Event:
    # The activity names the card: that is what a person recognises a comment by.
    activity = Activity(name, "comment", comment.id, task.title, changes)
    return await record_event(
        tx, board_id=comment.board_id, seq=seq, name=name, actor=actor,
        data=comment_data(comment, task), activity=activity,
    )  # fmt: skip


async def _lock_for_write(
    tx: AsyncSession, actor: User, comment_id: int, board_id: int | None
) -> tuple[Comment, Task, int]:
    task_id = await tx.scalar(select(Comment.task_id).where(Comment.id == comment_id))
    if task_id is None:
        raise NotFound(MISSING)
    locked = await lock_task(tx, actor=actor, task_id=task_id, board_id=board_id, missing=MISSING)
    query = (
        select(Comment).where(Comment.id == comment_id).execution_options(populate_existing=True)
    )
    comment = (await tx.execute(query)).scalar_one_or_none()
    if comment is None:
        raise NotFound(MISSING)
    return comment, locked.task, locked.seq
