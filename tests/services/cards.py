"""Helpers for the card-detail service tests: events checked against /asyncapi.json, the outbox."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import select

from devstack import asyncapi
from taskflow.database import Database
from taskflow.models import ActivityOutbox, Board, Task
from taskflow.schemas import TaskCreate
from taskflow.services import tasks
from taskflow.services.events import Event
from tests.services.conftest import Crew


def checked(event: Event) -> dict[str, Any]:
    """The event's frame, after checking it is one /asyncapi.json describes."""
    frame: dict[str, Any] = orjson.loads(event.frame)
    asyncapi.check_server_frame(frame)
    assert frame["seq"] == event.seq and frame["data"] == event.data
    return frame


async def verbs(db: Database, board_id: int) -> list[tuple[int, str]]:
    """(seq, verb) of every activity entry of the board, in seq order."""
    async with db.session() as tx:
        rows = await tx.execute(
            select(ActivityOutbox.seq, ActivityOutbox.entry)
            .where(ActivityOutbox.board_id == board_id)
            .order_by(ActivityOutbox.seq)
        )
        return [(int(seq), str(entry["verb"])) for seq, entry in rows.all()]


async def board_seq(db: Database, crew: Crew) -> int:
    async with db.session() as tx:
        return int(await tx.scalar(select(Board.seq).where(Board.id == crew.board.id)) or 0)


async def a_task(db: Database, crew: Crew, title: str = "Card", **fields: Any) -> Task:
    async with db.session() as tx:
        task, _ = await tasks.create_task(
            tx=tx,
            actor=crew.editor,
            board_id=crew.board.id,
            cmd=TaskCreate.model_validate({"title": title, **fields}),
        )
        await tx.commit()
    return task


async def task_row(db: Database, task_id: int) -> Task | None:
    async with db.session() as tx:
        return await tx.get(Task, task_id)
