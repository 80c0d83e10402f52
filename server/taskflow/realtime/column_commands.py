"""Live-board commands on columns: `column.create`, `column.update` and `column.delete`.

Each handler validates `data` with the frame model /asyncapi.json publishes and calls the
service function its REST twin calls, scoped to the socket's board.
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession

from taskflow.models import User
from taskflow.realtime import frames
from taskflow.realtime.card_commands import Handler, rest_body
from taskflow.schemas import ColumnCreate, ColumnUpdate
from taskflow.services import columns
from taskflow.services.events import Event


async def _column_create(
    tx: AsyncSession, actor: User, board_id: int, data: dict[str, Any]
) -> list[Event]:
    cmd = ColumnCreate.model_validate(data)
    _, events = await columns.create_column(tx=tx, actor=actor, board_id=board_id, cmd=cmd)
    return events


async def _column_update(
    tx: AsyncSession, actor: User, board_id: int, data: dict[str, Any]
) -> list[Event]:
    change = frames.ColumnChange.model_validate(data)
    _, events = await columns.update_column(
        tx=tx,
        actor=actor,
        column_id=change.id,
        cmd=rest_body(change, ColumnUpdate, besides=frozenset({"expected_name"})),
        board_id=board_id,
        expected_name=change.expected_name,
    )
    return events


async def _column_delete(
    tx: AsyncSession, actor: User, board_id: int, data: dict[str, Any]
) -> list[Event]:
    named = frames.Named.model_validate(data)
    _, event = await columns.delete_column(
        tx=tx, actor=actor, column_id=named.id, board_id=board_id
    )
    return [event]


HANDLERS: Final[dict[str, Handler]] = {
    "column.create": _column_create,
    "column.update": _column_update,
    "column.delete": _column_delete,
}
