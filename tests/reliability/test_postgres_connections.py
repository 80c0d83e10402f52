"""PostgreSQL connections cut mid-write (`pg_terminate_backend` on the stack's database).

A cut connection fails the requests it carried with 503 (or they succeed): a change is applied
whole or not at all, with its event and activity entry, and the service heals by itself.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import asyncpg
import httpx
import pytest
from devstack.postgres import database_name
from devstack.watcher import close_all, wait_all

from devstack import Stack
from tests.conftest import Account
from tests.reliability.conftest import Crew, activity_seqs, board_seq, secrets_in_logs
from tests.support.delivery import assert_every_seq_once, open_watchers
from tests.support.live import create_task

pytestmark = pytest.mark.cluster

WRITERS = 4
KILL_FOR = 3.0  # seconds of pg_terminate_backend every KILL_EVERY
KILL_EVERY = 0.15
TERMINATE = """
    SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
    WHERE datname = $1 AND pid <> pg_backend_pid()
"""


async def create_until(
    http: httpx.AsyncClient, who: Account, board_id: int, label: str, stop: asyncio.Event
) -> list[tuple[str, int, int | None]]:
    """Creates tasks titled `label n` until stopped: (title, status, task id) each."""
    results: list[tuple[str, int, int | None]] = []
    for index in range(500):
        if stop.is_set():
            break
        title = f"{label} {index}"
        response = await http.post(
            f"/api/boards/{board_id}/tasks", json={"title": title}, headers=who.headers
        )
        if response.status_code == 503:
            assert response.json() == {"detail": "database unavailable, try again"}
        task_id = int(response.json()["id"]) if response.status_code == 201 else None
        results.append((title, response.status_code, task_id))
    return results


async def terminate_for(db: asyncpg.Connection, name: str, seconds: float) -> int:
    killed = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        killed += int(await db.fetchval(TERMINATE, name))
        await asyncio.sleep(KILL_EVERY)
    return killed


async def test_connections_terminated_mid_write_apply_whole_or_not_at_all(
    stack: Stack,
    front: httpx.AsyncClient,
    direct: list[httpx.AsyncClient],
    crew: Crew,
    stack_db: asyncpg.Connection,
) -> None:
    board = crew.board_id
    base = await board_seq(front, crew.owner, board)
    watchers = await open_watchers(4, "pg", stack.url, board, crew.tokens, resume_url=stack.url)
    commander = watchers[0]
    stop = asyncio.Event()
    writers = asyncio.gather(
        *(
            create_until(
                direct[index % 2], (crew.owner, crew.editor)[index % 2], board, f"w{index}", stop
            )
            for index in range(WRITERS)
        )
    )

    async def commands() -> list[dict[str, Any]]:
        replies = []
        for index in range(200):
            if stop.is_set():
                break
            ref = f"ws {index}"
            replies.append(await commander.command("task.create", {"title": ref}, ref))
        return replies

    ws_commands = asyncio.create_task(commands())
    try:
        try:
            await asyncio.sleep(0.5)
            killed = await terminate_for(stack_db, database_name(stack.database_url), KILL_FOR)
        finally:
            stop.set()
            results = [item for batch in await writers for item in batch]
            replies = await ws_commands
        statuses = {status for _, status, _ in results}
        assert statuses <= {201, 503}, f"statuses {statuses}"
        assert {r["type"] for r in replies} <= {"ack", "error"}
        assert {r["code"] for r in replies if r["type"] == "error"} <= {"unavailable"}
        refused = sum(1 for _, status, _ in results if status == 503)
        refused += sum(1 for r in replies if r["type"] == "error")
        assert killed > 0 and refused > 0, f"{killed} backends killed, {refused} refusals"

        # It heals by itself: the next requests all succeed, on both replicas and over WS.
        for number, http in enumerate(direct):
            for index in range(5):
                await create_task(http, crew.editor, board, f"after {number} {index}")
        after = await commander.command("task.create", {"title": "ws after"}, "ws after")
        assert after["type"] == "ack", after

        head = await board_seq(front, crew.owner, board)
        await check_whole_or_nothing(stack_db, board, base, head, results, replies)
        assert await activity_seqs(front, crew.owner, board) == list(range(head, 0, -1))
        await wait_all(watchers, head, timeout=30)
        resyncs = assert_every_seq_once(watchers, base + 1, head)
    finally:
        stop.set()
        await asyncio.gather(writers, ws_commands, return_exceptions=True)
        await close_all(watchers)
    assert not secrets_in_logs(stack, [crew.owner, crew.editor])
    print(
        f"pg_terminate_backend: {killed} backends killed over {KILL_FOR:.0f} s; "
        f"{len(results) + len(replies)} creates: {refused} refused (503 / unavailable), "
        f"the rest applied; seq {head} = events = activity entries; {resyncs} resyncs"
    )


async def check_whole_or_nothing(
    db: asyncpg.Connection,
    board: int,
    base: int,
    head: int,
    results: list[tuple[str, int, int | None]],
    replies: list[dict[str, Any]],
) -> None:
    """seq = number of events; every task has its task.created event; every 201 and ack stuck."""
    seqs = [row["seq"] for row in await db.fetch(
        "SELECT seq FROM board_events WHERE board_id = $1 ORDER BY seq", board
    )]  # fmt: skip
    assert seqs == list(range(1, head + 1)), f"events of board {board} are not 1..{head}"
    tasks = {row["title"]: row["id"] for row in await db.fetch(
        "SELECT id, title FROM tasks WHERE board_id = $1", board
    )}  # fmt: skip
    created = {
        row["id"]: row["n"]
        for row in await db.fetch(
            "SELECT (frame::json->'data'->>'id')::bigint AS id, count(*) AS n FROM board_events "
            "WHERE board_id = $1 AND name = 'task.created' GROUP BY 1",
            board,
        )
    }
    assert len(tasks) == len(created) == head - base, (len(tasks), len(created), head - base)
    assert all(created.get(task_id) == 1 for task_id in tasks.values())
    for title, status, task_id in results:
        if status == 201:
            assert tasks.get(title) == task_id, f"{title}: answered 201, row {tasks.get(title)}"
    for reply in replies:
        if reply["type"] == "ack":
            assert tasks.get(reply["ref"]) == reply["data"]["id"], reply
    # An outbox row is either still waiting or already relayed; never missing, never doubled.
    pending = await db.fetchval("SELECT count(*) FROM activity_outbox WHERE board_id = $1", board)
    assert pending <= head
