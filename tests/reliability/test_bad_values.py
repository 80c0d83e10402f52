"""Values that pass the schema's shape but not every database: refused with 422, on both.

Found by the fuzzers (tests/reliability/test_ws_fuzz.py, test_rest_fuzz.py) and pinned here,
one body against SQLite and PostgreSQL. The same input must get the same answer on both
databases, and it must never be a 5xx: a 503 "database unavailable, try again" for bad input
sends a well-behaved client into retrying forever.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import Account, register
from tests.routes.conftest import Team, make_board, quick_account, unchanged_after
from tests.support.live import join, new_board

NUL = "a\x00b"
# Valid ISO 8601 with an offset, but out of range once converted to UTC.
OFF_THE_CALENDAR = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"]


@pytest.fixture
async def team(client: httpx.AsyncClient, app: FastAPI) -> Team:
    owner, stranger = await quick_account(app), await quick_account(app)
    return Team(await make_board(client, owner), owner, owner, owner, stranger)


def nul_bodies(team: Team) -> list[tuple[str, str, dict[str, Any]]]:
    task_url = f"/api/boards/{team.id}/tasks"
    return [
        ("POST", "/api/boards", {"name": NUL}),
        ("PATCH", f"/api/boards/{team.id}", {"name": NUL}),
        ("POST", f"/api/boards/{team.id}/columns", {"name": NUL}),
        ("PATCH", f"/api/columns/{team.columns[0]}", {"name": NUL}),
        ("POST", task_url, {"title": NUL}),
        ("POST", task_url, {"title": "ok", "description": NUL}),
    ]


async def test_a_nul_character_is_422_everywhere(
    client: httpx.AsyncClient, app: FastAPI, team: Team
) -> None:
    failures = []
    for method, url, body in nul_bodies(team):
        response = await client.request(method, url, json=body, headers=team.owner.headers)
        if response.status_code != 422:
            failures.append((method, url, body, response.status_code, response.text[:80]))
    signed_in = await client.post(
        "/api/auth/token", data={"username": NUL, "password": "whatever-pw"}
    )
    if signed_in.status_code not in (401, 422):
        failures.append(("POST", "/api/auth/token", NUL, signed_in.status_code, signed_in.text))
    assert failures == []


@pytest.mark.parametrize("due", OFF_THE_CALENDAR)
async def test_a_due_date_beyond_the_calendar_in_utc_is_422(
    client: httpx.AsyncClient, app: FastAPI, team: Team, due: str
) -> None:
    created = await unchanged_after(
        app,
        lambda: client.post(
            f"/api/boards/{team.id}/tasks",
            json={"title": "late", "due_date": due},
            headers=team.owner.headers,
        ),
    )
    assert created.status_code == 422, created.text


async def test_commands_with_ids_beyond_bigint_are_invalid_not_a_dropped_socket(
    server_url: str,
) -> None:
    async with httpx.AsyncClient(base_url=server_url, timeout=30) as http:
        owner: Account = await register(http, "huge_ids")
        board = await new_board(http, owner)
    live = await join(server_url, board["id"], owner)
    try:
        for index, (kind, data) in enumerate(
            [
                ("task.update", {"id": 2**63, "title": "x"}),
                ("task.delete", {"id": 2**64 - 1}),
                ("task.create", {"title": "x", "due_date": OFF_THE_CALENDAR[0]}),
            ]
        ):
            reply = await live.command(kind, data, ref=f"huge {index}")
            assert (reply["type"], reply["code"]) == ("error", "invalid"), reply
        await live.send({"type": "ping"})
        assert (await live.recv_type("pong"))["type"] == "pong"
    finally:
        await live.close()
