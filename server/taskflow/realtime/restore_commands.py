"""The live-board commands that undo a deletion: `task.restore` and `column.restore` ({"id"})."""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession

from taskflow.errors import Invalid
from taskflow.models import User
from taskflow.realtime.protocol import ClientFrame
from taskflow.services import restore
from taskflow.services.events import Event

RESTORE_COMMANDS: Final = frozenset({"task.restore", "column.restore"})


async def run_restore(
    tx: AsyncSession, *, actor: User, board_id: int, frame: ClientFrame
) -> list[Event]:
    """Restore the object `data.id` names on the socket's board, as its REST twin does."""
    object_id = _object_id(frame.data)
    if frame.type == "task.restore":
        _, events = await restore.restore_task(
            tx=tx, actor=actor, task_id=object_id, board_id=board_id
        )
        return events
    _, column_events = await restore.restore_column(
        tx=tx, actor=actor, column_id=object_id, board_id=board_id
    )
    return column_events


def _object_id(data: dict[str, Any]) -> int:
    unknown = set(data) - {"id"}
    if unknown:
        raise Invalid(f"unknown fields: {', '.join(sorted(unknown))[:100]}")
    object_id = data.get("id")
    if not isinstance(object_id, int) or isinstance(object_id, bool) or not 1 <= object_id < 2**63:
        raise Invalid("data.id must be a positive 64-bit integer")
    return object_id
