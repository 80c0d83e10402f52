"""Columns: add, rename, reorder with before_id/after_id, delete only when empty."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.routes.conftest import Team, make_board, new_task, unchanged_after


async def column_ids(client: httpx.AsyncClient, team: Team) -> list[int]:
    board = (await client.get(f"/api/boards/{team.id}", headers=team.viewer.headers)).json()
    return [c["id"] for c in board["columns"]]


async def test_create_appends_last(client: httpx.AsyncClient, team: Team) -> None:
    response = await client.post(
        f"/api/boards/{team.id}/columns", json={"name": "Review"}, headers=team.editor.headers
    )
    assert response.status_code == 201
    column = response.json()
    assert set(column) == {"id", "board_id", "name", "position", "created_at", "updated_at"}
    assert (await column_ids(client, team)) == [*team.columns, column["id"]]
    board = (await client.get(f"/api/boards/{team.id}", headers=team.viewer.headers)).json()
    assert board["seq"] == 3


async def test_create_with_a_neighbour(client: httpx.AsyncClient, team: Team) -> None:
    todo, doing, done = team.columns
    response = await client.post(
        f"/api/boards/{team.id}/columns",
        json={"name": "Ready", "before_id": doing},
        headers=team.editor.headers,
    )
    assert (await column_ids(client, team)) == [todo, response.json()["id"], doing, done]


async def test_rename_and_reorder(client: httpx.AsyncClient, team: Team) -> None:
    todo, doing, done = team.columns
    moves: list[tuple[dict[str, Any], list[int]]] = [
        ({"before_id": todo}, [done, todo, doing]),
        ({"after_id": doing}, [todo, doing, done]),
        ({"after_id": todo, "before_id": doing}, [todo, done, doing]),
        ({"name": "Shipped"}, [todo, done, doing]),
    ]
    for body, order in moves:
        response = await client.patch(
            f"/api/columns/{done}", json=body, headers=team.editor.headers
        )
        assert response.status_code == 200, response.text
        assert (await column_ids(client, team)) == order, body
    assert response.json()["name"] == "Shipped"
    others = (await client.get(f"/api/boards/{team.id}", headers=team.viewer.headers)).json()
    original = {c["id"]: c for c in team.board["columns"]}
    for column in others["columns"]:
        if column["id"] != done:
            assert column == original[column["id"]], "a move rewrote another column"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"name": None},
        {"name": ""},
        {"name": "x" * 101},
        {"before_id": "{self}"},
        {"before_id": 999_999},
        {"after_id": "{other_board}"},
        {"after_id": "{last}", "before_id": "{first}"},
        {"after_id": "{first}", "before_id": "{first}"},
        {"position": "a0"},
    ],
)
async def test_bad_column_updates_change_nothing(
    client: httpx.AsyncClient, app: FastAPI, team: Team, body: dict[str, Any]
) -> None:
    foreign = await make_board(client, team.stranger)
    todo, doing, done = team.columns
    names = {
        "{self}": doing,
        "{other_board}": foreign["columns"][0]["id"],
        "{first}": todo,
        "{last}": done,
    }
    body = {k: names.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    response = await unchanged_after(
        app, lambda: client.patch(f"/api/columns/{doing}", json=body, headers=team.editor.headers)
    )
    assert response.status_code == 422, response.text


async def test_delete_empty_column_and_409_for_one_with_tasks(
    client: httpx.AsyncClient, app: FastAPI, team: Team
) -> None:
    todo, doing, _ = team.columns
    await new_task(client, team, column_id=todo)
    response = await unchanged_after(
        app, lambda: client.delete(f"/api/columns/{todo}", headers=team.editor.headers)
    )
    assert response.status_code == 409
    assert (
        await client.delete(f"/api/columns/{doing}", headers=team.editor.headers)
    ).status_code == 204
    assert doing not in await column_ids(client, team)
    gone = await client.patch(
        f"/api/columns/{doing}", json={"name": "x"}, headers=team.owner.headers
    )
    assert gone.status_code == 404


async def test_a_board_without_columns_cannot_take_tasks(
    client: httpx.AsyncClient, app: FastAPI, team: Team
) -> None:
    for column_id in team.columns:
        response = await client.delete(f"/api/columns/{column_id}", headers=team.owner.headers)
        assert response.status_code == 204
    response = await unchanged_after(
        app,
        lambda: client.post(
            f"/api/boards/{team.id}/tasks", json={"title": "t"}, headers=team.editor.headers
        ),
    )
    assert response.status_code == 422
