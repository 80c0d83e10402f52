"""A socket that stops reading is closed with 4408; everyone else keeps receiving on time."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
from fastapi import FastAPI

from taskflow.services.events import Event
from tests.conftest import Account
from tests.support.live import join, new_board, open_live

PAD = "x" * 16_000


TS = "2026-01-01T00:00:00+00:00"


def task_data(board_id: int, version: int) -> dict[str, object]:
    return {
        "id": 1, "board_id": board_id, "column_id": 1, "title": "load", "description": "",
        "position": "a0", "assignee_id": None, "due_date": None, "version": version, "label_ids": [],
        "comment_count": 0, "checklist_total": 0, "checklist_done": 0,
        "created_by": None, "created_at": TS, "updated_at": TS,
    }  # fmt: skip


def fabricated(board_id: int, seq: int) -> Event:
    frame = {
        "type": "event",
        "board_id": board_id,
        "seq": seq,
        "name": "task.updated",
        "actor": {"id": 0, "username": "load"},
        # A task as /asyncapi.json describes it, carrying the send time (and padding) besides.
        "data": {**task_data(board_id, seq), "sent": time.monotonic(), "pad": PAD},
        "ts": TS,
    }
    return Event(board_id=board_id, seq=seq, name="task.updated", frame=json.dumps(frame), data={})


async def test_slow_socket_closed_4408_while_others_stay_on_time(
    app_and_url: tuple[FastAPI, str], owner_on_app: Account
) -> None:
    app, url = app_and_url
    async with httpx.AsyncClient(base_url=url) as http:
        board = await new_board(http, owner_on_app)
    board_id = board["id"]
    slow = await open_live(url, board_id, owner_on_app.token, max_queue=1)
    healthy = await join(url, board_id, owner_on_app)
    total = 1_500
    lags: list[float] = []

    async def consume() -> None:
        seen = 0
        while seen < total:
            frame = await healthy.recv_type("event", timeout=20)
            lags.append(time.monotonic() - frame["data"]["sent"])
            seen += 1
            assert frame["seq"] == seen

    consumer = asyncio.create_task(consume())
    hub = app.state.resources.hub
    for seq in range(1, total + 1):
        await hub.publish(fabricated(board_id, seq))
        if seq % 50 == 0:
            await asyncio.sleep(0.01)  # a burst, not a single blocking loop: let the writers run
    await asyncio.wait_for(consumer, 30)
    assert max(lags) < 2.0, f"healthy socket lagged {max(lags):.2f}s"
    assert await slow.close_code(timeout=20) == 4408
    await healthy.close()
