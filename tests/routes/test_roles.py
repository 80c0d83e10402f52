"""The role matrix: owner, editor, viewer and non-member against every board call."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from fastapi import FastAPI

from tests.conftest import Account
from tests.routes.conftest import Team, add_member, new_task, quick_account, unchanged_after

Request = tuple[str, str, Any]
Setup = Callable[[httpx.AsyncClient, FastAPI, Team], Awaitable[Request]]


async def _fresh_column(client: httpx.AsyncClient, team: Team) -> int:
    created = await client.post(
        f"/api/boards/{team.id}/columns", json={"name": "Spare"}, headers=team.owner.headers
    )
    return int(created.json()["id"])


async def get_board(client: httpx.AsyncClient, app: FastAPI, team: Team) -> Request:
    return "GET", f"/api/boards/{team.id}", None


async def patch_board(client: httpx.AsyncClient, app: FastAPI, team: Team) -> Request:
    return "PATCH", f"/api/boards/{team.id}", {"name": "Renamed"}


async def add_a_member(client: httpx.AsyncClient, app: FastAPI, team: Team) -> Request:
    newcomer = await quick_account(app)
    return (
        "POST",
        f"/api/boards/{team.id}/members",
        {"username": newcomer.username, "role": "viewer"},
    )


async def remove_a_member(client: httpx.AsyncClient, app: FastAPI, team: Team) -> Request:
    leaving = await quick_account(app)
    await add_member(client, team.owner, team.id, leaving, "viewer")
    return "DELETE", f"/api/boards/{team.id}/members/{leaving.id}", None


async def create_column(client: httpx.AsyncClient, app: FastAPI, team: Team) -> Request:
    return "POST", f"/api/boards/{team.id}/columns", {"name": "New"}


async def patch_column(client: httpx.AsyncClient, app: FastAPI, team: Team) -> Request:
    return "PATCH", f"/api/columns/{team.columns[1]}", {"name": "Doing"}


async def delete_column(client: httpx.AsyncClient, app: FastAPI, team: Team) -> Request:
    return "DELETE", f"/api/columns/{await _fresh_column(client, team)}", None


async def list_tasks(client: httpx.AsyncClient, app: FastAPI, team: Team) -> Request:
    return "GET", f"/api/boards/{team.id}/tasks", None


async def create_task(client: httpx.AsyncClient, app: FastAPI, team: Team) -> Request:
    return "POST", f"/api/boards/{team.id}/tasks", {"title": "New"}


async def get_task(client: httpx.AsyncClient, app: FastAPI, team: Team) -> Request:
    return "GET", f"/api/tasks/{(await new_task(client, team))['id']}", None


async def patch_task(client: httpx.AsyncClient, app: FastAPI, team: Team) -> Request:
    return "PATCH", f"/api/tasks/{(await new_task(client, team))['id']}", {"title": "Edited"}


async def move_task(client: httpx.AsyncClient, app: FastAPI, team: Team) -> Request:
    task = await new_task(client, team)
    return "PATCH", f"/api/tasks/{task['id']}", {"column_id": team.columns[2]}


async def delete_task(client: httpx.AsyncClient, app: FastAPI, team: Team) -> Request:
    return "DELETE", f"/api/tasks/{(await new_task(client, team))['id']}", None


async def read_activity(client: httpx.AsyncClient, app: FastAPI, team: Team) -> Request:
    return "GET", f"/api/boards/{team.id}/activity", None


# Expected status for owner, editor, viewer, non-member.
MATRIX: list[tuple[Setup, tuple[int, int, int, int]]] = [
    (get_board, (200, 200, 200, 404)),
    (patch_board, (200, 403, 403, 404)),
    (add_a_member, (201, 403, 403, 404)),
    (remove_a_member, (204, 403, 403, 404)),
    (create_column, (201, 201, 403, 404)),
    (patch_column, (200, 200, 403, 404)),
    (delete_column, (204, 204, 403, 404)),
    (list_tasks, (200, 200, 200, 404)),
    (create_task, (201, 201, 403, 404)),
    (get_task, (200, 200, 200, 404)),
    (patch_task, (200, 200, 403, 404)),
    (move_task, (200, 200, 403, 404)),
    (delete_task, (204, 204, 403, 404)),
    (read_activity, (200, 200, 200, 404)),
]


async def test_role_matrix(client: httpx.AsyncClient, app: FastAPI, team: Team) -> None:
    roles: list[tuple[str, Account]] = [
        ("owner", team.owner), ("editor", team.editor),
        ("viewer", team.viewer), ("stranger", team.stranger),
    ]  # fmt: skip
    failures = []
    for setup, statuses in MATRIX:
        for (role, account), expected in zip(roles, statuses, strict=True):
            method, url, body = await setup(client, app, team)

            async def call(
                m: str = method, u: str = url, b: Any = body, a: Account = account
            ) -> Any:
                return await client.request(m, u, json=b, headers=a.headers)

            response = await (call() if expected < 300 else unchanged_after(app, call))
            if response.status_code != expected:
                failures.append((setup.__name__, role, expected, response.status_code))
            if expected == 404:
                # Nothing tells a non-member whether the board exists.
                assert "not found" in response.json()["detail"]
    assert failures == []


async def test_board_delete_is_owner_only(
    client: httpx.AsyncClient, app: FastAPI, team: Team
) -> None:
    url = f"/api/boards/{team.id}"
    for account, expected in ((team.stranger, 404), (team.viewer, 403), (team.editor, 403)):
        response = await unchanged_after(
            app, lambda a=account: client.delete(url, headers=a.headers)
        )
        assert response.status_code == expected
    assert (await client.delete(url, headers=team.owner.headers)).status_code == 204


async def test_a_missing_board_looks_like_a_foreign_one(
    client: httpx.AsyncClient, app: FastAPI, team: Team
) -> None:
    for board_id in (team.id, team.id + 1000):
        for method, suffix, body in (
            ("GET", "", None),
            ("PATCH", "", {"name": "x"}),
            ("DELETE", "", None),
            ("GET", "/tasks", None),
            ("POST", "/tasks", {"title": "x"}),
            ("POST", "/columns", {"name": "x"}),
            ("POST", "/members", {"username": team.stranger.username, "role": "viewer"}),
            ("DELETE", f"/members/{team.editor.id}", None),
            ("GET", "/activity", None),
        ):
            response = await unchanged_after(
                app,
                lambda m=method, s=suffix, b=body, i=board_id: client.request(
                    m, f"/api/boards/{i}{s}", json=b, headers=team.stranger.headers
                ),
            )
            assert (response.status_code, response.json()) == (
                404, {"detail": "board not found"},
            ), (board_id, method, suffix)  # fmt: skip
    for url in (f"/api/columns/{team.columns[0]}", "/api/columns/999999"):
        response = await client.patch(url, json={"name": "x"}, headers=team.stranger.headers)
        assert response.json() == {"detail": "column not found"}
