"""Which tasks a board view shows: by labels, assignee and text."""

from __future__ import annotations

from dataclasses import dataclass

from taskflow.models import Task


@dataclass(frozen=True, slots=True)
class TaskFilter:
    """Tasks carrying every one of `label_ids`, assigned to `assignee_id`, and containing `text`
    (any case) in the title or description; a part left empty matches every task."""

    label_ids: tuple[int, ...] = ()
    assignee_id: int | None = None
    text: str | None = None

    def matches(self, task: Task) -> bool:
        # Labels and text are matched here rather than in SQL: JSON lists and case folding differ
        # between SQLite and PostgreSQL, and the same answer on both matters more.
        if not set(self.label_ids) <= set(task.label_ids):
            return False
        if self.assignee_id is not None and task.assignee_id != self.assignee_id:
            return False
        if self.text:
            needle = self.text.casefold()
            return needle in task.title.casefold() or needle in task.description.casefold()
        return True
