"""Retries are safe: a command re-sent with its `ref`, a create re-sent with its Idempotency-Key,
to the same replica or the other one, is applied once and answered with the first answer.

Keys are kept at least 10 minutes (README: 15): a record aged 9 min 50 s still replays.
tests/realtime/test_live_board.py covers a ref re-sent to the same single server.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import asyncpg
import httpx
import pytest
from devstack.watcher import Watcher

from devstack import Stack
from tests.reliability.conftest import Crew, account, board_seq, secrets_in_logs

pytestmark = pytest.mark.cluster

NEARLY_TEN_MINUTES = "9 minutes 50 seconds"


async def age_keys(db: asyncpg.Connection, user_id: int) -> int:
    """Make every stored answer of the user look NEARLY_TEN_MINUTES old; how many there are."""
    result = await db.execute(
        f"UPDATE idempotency_keys SET created_at = now() - interval '{NEARLY_TEN_MINUTES}' "
        "WHERE user_id = $1",
        user_id,
    )
    return int(result.split()[-1])


async def test_a_command_resent_to_the_other_replica_is_applied_once(
    stack: Stack, front: httpx.AsyncClient, crew: Crew, stack_db: asyncpg.Connection
) -> None:
    first_url, second_url = stack.replica_urls
    board = crew.board_id
    first = await Watcher("first replica", first_url, board, crew.editor.token).start()
    ack = await first.command("task.create", {"title": "exactly once"}, "retry-1")
    assert ack["type"] == "ack"
    await first.close()  # as if the connection dropped before the client saw the ack
    second = await Watcher("other replica", second_url, board, crew.editor.token).start()
    twins = [
        await Watcher(f"twin {index}", url, board, crew.editor.token).start()
        for index, url in enumerate(stack.replica_urls)
    ]
    try:
        again = await second.command("task.create", {"title": "exactly once"}, "retry-1")
        assert again == ack
        # A different user, or the same ref on another board, is another command.
        other = await second.command("task.create", {"title": "new ref"}, "retry-2")
        assert other["seq"] == ack["seq"] + 1

        # The same ref sent at the same moment on both replicas: one applies, both get its ack.
        replies = await asyncio.gather(
            *(twin.command("task.create", {"title": "twins"}, "retry-3") for twin in twins)
        )
        assert replies[0] == replies[1] and replies[0]["type"] == "ack", replies

        assert await age_keys(stack_db, crew.editor.id) >= 3
        aged = await second.command("task.create", {"title": "exactly once"}, "retry-1")
        assert aged == ack, "a 10-minute-old ref must still replay its first answer"
        titles = [t["title"] for t in (await front.get(f"/api/boards/{board}/tasks", headers=crew.owner.headers)).json()]  # fmt: skip
        assert sorted(titles) == ["exactly once", "new ref", "twins"]
    finally:
        for watcher in (second, *twins):
            await watcher.close()
    assert not secrets_in_logs(stack, [crew.owner, crew.editor])


CREATES = [
    ("POST", "/api/boards", lambda crew, who: {"name": "idempotent board"}),
    ("POST", "/api/boards/{board}/columns", lambda crew, who: {"name": "idempotent column"}),
    ("POST", "/api/boards/{board}/tasks", lambda crew, who: {"title": "idempotent task"}),
    ("POST", "/api/boards/{board}/members", lambda crew, who: {"username": who.username, "role": "viewer"}),
]  # fmt: skip


async def rows(db: asyncpg.Connection, owner_id: int, board: int) -> dict[str, int]:
    return {
        "boards": await db.fetchval("SELECT count(*) FROM boards WHERE owner_id = $1", owner_id),
        "columns": await db.fetchval("SELECT count(*) FROM board_columns WHERE board_id = $1", board),
        "tasks": await db.fetchval("SELECT count(*) FROM tasks WHERE board_id = $1", board),
        "members": await db.fetchval("SELECT count(*) FROM board_members WHERE board_id = $1", board),
    }  # fmt: skip


async def test_a_create_resent_with_its_idempotency_key_is_applied_once_on_any_replica(
    stack: Stack,
    front: httpx.AsyncClient,
    direct: list[httpx.AsyncClient],
    crew: Crew,
    stack_db: asyncpg.Connection,
) -> None:
    newcomer = await account(front)
    board = crew.board_id
    failures = []
    for method, template, body in CREATES:
        url = template.format(board=board)
        key = f"key-{uuid.uuid4().hex}"
        headers = {**crew.owner.headers, "Idempotency-Key": key}
        payload: dict[str, Any] = body(crew, newcomer)
        before = await rows(stack_db, crew.owner.id, board)
        seq = await board_seq(front, crew.owner, board)
        first = await direct[0].request(method, url, json=payload, headers=headers)
        again = await direct[1].request(method, url, json=payload, headers=headers)
        await age_keys(stack_db, crew.owner.id)
        aged = await front.request(method, url, json=payload, headers=headers)
        after = await rows(stack_db, crew.owner.id, board)
        grew = {name: after[name] - before[name] for name in after if after[name] != before[name]}
        events = await board_seq(front, crew.owner, board) - seq
        # Same status, same body, and for a task the same ETag (docs/API.md: POST returns it).
        answers = [(r.status_code, r.json(), r.headers.get("etag")) for r in (first, again, aged)]
        if first.status_code != 201 or any(answer != answers[0] for answer in answers):
            failures.append(
                f"{url}: statuses {[a[0] for a in answers]}, bodies equal: "
                f"{all(a[1] == answers[0][1] for a in answers)}, ETags {[a[2] for a in answers]}"
            )
        expected_events = 0 if template == "/api/boards" else 1  # a new board is no event
        if sum(grew.values()) != 1 or events != expected_events:
            failures.append(f"{url}: rows grew {grew}, {events} events for one keyed create")
    assert not failures, failures
    assert not secrets_in_logs(stack, [crew.owner, newcomer])
