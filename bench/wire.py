"""What travels on the wire: the event frame's shape and the send-time stamp inside it.

The publisher writes its send time (CLOCK_MONOTONIC, system-wide on Linux, so comparable
across processes) into the task's `description`; both TaskFlow and the ceiling carry the
whole task in `data`, so every subscriber reads the stamp back from the frame it received.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import orjson

STAMP_PREFIX = "bench-sent:"
# Wall clock minus monotonic clock, to place a server's wall-clock `ts` on the monotonic axis.
WALL_MINUS_MONOTONIC = time.time() - time.monotonic()


def stamp(sent_at: float) -> str:
    """The description text that carries a publish time."""
    return f"{STAMP_PREFIX}{sent_at:.6f}"


def sent_at_of(data: Any) -> float | None:
    """The publish time stamped in an event's task data, if the bench stamped it."""
    if not isinstance(data, dict):
        return None
    text = data.get("description")
    if not isinstance(text, str) or not text.startswith(STAMP_PREFIX):
        return None
    try:
        return float(text[len(STAMP_PREFIX) :])
    except ValueError:
        return None


def monotonic_of_iso(ts: Any) -> float | None:
    """A server's ISO 8601 wall-clock `ts` on this machine's monotonic axis."""
    if not isinstance(ts, str):
        return None
    try:
        return datetime.fromisoformat(ts).timestamp() - WALL_MINUS_MONOTONIC
    except ValueError:
        return None


def task_like(*, task_id: int, board_id: int, description: str) -> dict[str, Any]:
    """A task dict with TaskFlow's fields and value sizes, so ceiling frames weigh the same."""
    now = datetime.now(UTC).isoformat()
    return {
        "id": task_id,
        "board_id": board_id,
        "column_id": board_id * 3,
        "title": f"bench task {task_id}",
        "description": description,
        "position": "a0V",
        "assignee_id": None,
        "due_date": None,
        "version": 1,
        "created_by": 1,
        "created_at": now,
        "updated_at": now,
    }


def event_frame(*, board_id: int, seq: int, data: dict[str, Any]) -> str:
    """An `event` frame laid out as TaskFlow's `record_event` lays it out."""
    return orjson.dumps(
        {
            "type": "event",
            "board_id": board_id,
            "seq": seq,
            "name": "task.updated",
            "actor": {"id": 1, "username": "bench-owner"},
            "data": data,
            "ts": datetime.now(UTC).isoformat(),
        }
    ).decode()
