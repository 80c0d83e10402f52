"""Activity entries for the feed and relay tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from taskflow.activity.feed import ActivityEntry

# Millisecond precision: what a MongoDB date keeps.
T0 = datetime(2026, 5, 1, 12, 30, 15, 123000, tzinfo=UTC)


def uid(board_id: int) -> str:
    """A stand-in for the board's uid (the feed keys entries by it, not by the board id)."""
    return f"uid-{board_id}"


def entry(
    board_id: int,
    seq: int,
    *,
    entry_id: int | None = None,
    title: str = "Write docs",
    verb: str = "task.created",
) -> ActivityEntry:
    return {
        "id": entry_id if entry_id is not None else board_id * 1000 + seq,
        "board_id": board_id,
        "board_uid": uid(board_id),
        "seq": seq,
        "actor": {"id": 7, "username": "ann"},
        "verb": verb,
        "target": {"type": "task", "id": 40 + seq, "title": title},
        "changes": {"title": {"from": None, "to": title}},
        "ts": T0 + timedelta(seconds=seq),
    }


def seqs(entries: list[ActivityEntry]) -> list[int]:
    return [e["seq"] for e in entries]
