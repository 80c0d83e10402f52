"""The JSON shapes events carry: each object as its public schema, and activity `changes`."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from taskflow.models import Board, Column, Task
from taskflow.schemas import ColumnPublic, MemberPublic, Output, TaskPublic


def task_data(task: Task) -> dict[str, Any]:
    """The task as TaskPublic JSON (event data, activity values)."""
    return TaskPublic.model_validate(task).model_dump(mode="json")


def column_data(column: Column) -> dict[str, Any]:
    """The column as ColumnPublic JSON."""
    return ColumnPublic.model_validate(column).model_dump(mode="json")


class _BoardData(Output):
    # No `role`: every subscriber receives the same event frame.
    id: int
    name: str
    owner_id: int
    created_at: datetime
    updated_at: datetime


def board_data(board: Board) -> dict[str, Any]:
    """The board as event data: BoardPublic JSON without the per-caller role and seq."""
    return _BoardData.model_validate(board).model_dump(mode="json")


def member_data(member: MemberPublic) -> dict[str, Any]:
    """The member as MemberPublic JSON."""
    return member.model_dump(mode="json")


def diff(
    before: dict[str, Any], after: dict[str, Any], fields: Collection[str]
) -> dict[str, dict[str, Any]]:
    """Activity `changes`: {field: {"from", "to"}} for each of `fields` whose JSON value changed."""
    return {
        field: {"from": before.get(field), "to": after.get(field)}
        for field in fields
        if before.get(field) != after.get(field)
    }


def created(after: dict[str, Any], fields: Collection[str]) -> dict[str, dict[str, Any]]:
    """Activity `changes` of a new object: its non-empty `fields`, each from None."""
    return {f: {"from": None, "to": after[f]} for f in fields if after.get(f) not in (None, "", [])}
