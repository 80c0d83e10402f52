"""Event data of card details: labels, comments and checklist items, with the card's counters."""

from __future__ import annotations

from typing import Any

from taskflow.models import ChecklistItem, Comment, Label, Task
from taskflow.schemas import ChecklistItemPublic, CommentPublic, LabelPublic


def label_data(label: Label) -> dict[str, Any]:
    """The label as LabelPublic JSON."""
    return LabelPublic.model_validate(label).model_dump(mode="json")


def counters(task: Task) -> dict[str, int]:
    """What a card shows of its details, after the change an event carries it with."""
    return {
        "id": task.id,
        "comment_count": task.comment_count,
        "checklist_total": task.checklist_total,
        "checklist_done": task.checklist_done,
    }


def comment_data(comment: Comment, task: Task) -> dict[str, Any]:
    """The comment as CommentPublic JSON, plus its card's counters under `task`."""
    return {**CommentPublic.model_validate(comment).model_dump(mode="json"), "task": counters(task)}


def item_data(item: ChecklistItem, task: Task) -> dict[str, Any]:
    """The checklist item as ChecklistItemPublic JSON, plus its card's counters under `task`."""
    public = ChecklistItemPublic.model_validate(item).model_dump(mode="json")
    return {**public, "task": counters(task)}


def gone(row: Comment | ChecklistItem, task: Task) -> dict[str, Any]:
    """A deleted comment or item: its ids, plus its card's counters after the deletion."""
    return {"id": row.id, "task_id": row.task_id, "board_id": row.board_id, "task": counters(task)}
