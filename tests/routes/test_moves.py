"""Moves: before_id / after_id / both / column_id, never rewriting another task."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.routes.conftest import Team, new_task, unchanged_after


async def order(client: httpx.AsyncClient, team: Team, column_id: int) -> list[str]:
    response = await client.get(
        f"/api/boards/{team.id}/tasks", params={"column_id": column_id}, headers=team.viewer.headers
    )
    return [t["title"] for t in response.json()]


async def all_tasks(client: httpx.AsyncClient, team: Team) -> dict[int, Any]:
    response = await client.get(f"/api/boards/{team.id}/tasks", headers=team.viewer.headers)
    return {t["id"]: t for t in response.json()}


@pytest.fixture
async def abcd(client: httpx.AsyncClient, team: Team) -> dict[str, Any]:
    return {name: await new_task(client, team, name) for name in "abcd"}


async def move(client: httpx.AsyncClient, team: Team, task: Any, **body: Any) -> httpx.Response:
    return await client.patch(f"/api/tasks/{task['id']}", json=body, headers=team.editor.headers)


async def test_moves_within_a_column(
    client: httpx.AsyncClient, team: Team, abcd: dict[str, Any]
) -> None:
    a, b, c, d = abcd.values()
    todo = team.columns[0]
    steps: list[tuple[Any, dict[str, int], str]] = [
        (d, {"before_id": a["id"]}, "dabc"),
        (a, {"after_id": c["id"]}, "dbca"),
        (b, {"after_id": c["id"], "before_id": a["id"]}, "dcba"),
        (d, {"after_id": a["id"]}, "cbad"),
        (c, {"column_id": todo, "before_id": d["id"]}, "bacd"),
    ]
    for task, body, expected in steps:
        before = await all_tasks(client, team)
        response = await move(client, team, task, **body)
        assert response.status_code == 200, response.text
        assert "".join(await order(client, team, todo)) == expected, body
        after = await all_tasks(client, team)
        assert after[task["id"]]["version"] == before[task["id"]]["version"] + 1
        # Only the moved task changed.
        assert {k: v for k, v in after.items() if k != task["id"]} == {
            k: v for k, v in before.items() if k != task["id"]
        }


async def test_moves_across_columns(
    client: httpx.AsyncClient, team: Team, abcd: dict[str, Any]
) -> None:
    todo, doing, _ = team.columns
    a, b, c, _ = abcd.values()
    response = await move(client, team, a, column_id=doing)
    assert response.json()["column_id"] == doing
    # A neighbour alone says which column.
    response = await move(client, team, b, before_id=a["id"])
    assert response.json()["column_id"] == doing
    assert await order(client, team, doing) == ["b", "a"]
    # column_id without neighbours: last in that column.
    await move(client, team, c, column_id=doing)
    assert await order(client, team, doing) == ["b", "a", "c"]
    assert await order(client, team, todo) == ["d"]


async def test_same_column_without_neighbours_keeps_the_place(
    client: httpx.AsyncClient, team: Team, abcd: dict[str, Any]
) -> None:
    a = abcd["a"]
    response = await move(client, team, a, column_id=team.columns[0])
    assert response.status_code == 200
    assert response.json()["position"] == a["position"] and response.json()["version"] == 2
    assert await order(client, team, team.columns[0]) == list("abcd")


async def test_a_move_with_other_fields(
    client: httpx.AsyncClient, team: Team, abcd: dict[str, Any]
) -> None:
    response = await move(client, team, abcd["d"], before_id=abcd["a"]["id"], title="D")
    assert response.json()["title"] == "D" and response.json()["version"] == 2
    assert await order(client, team, team.columns[0]) == ["D", "a", "b", "c"]


@pytest.mark.parametrize(
    "body",
    [
        {"after_id": "c", "before_id": "a"},  # out of order
        {"after_id": "a", "before_id": "c"},  # not adjacent (b is between)
        {"after_id": "a", "before_id": "a"},
        {"before_id": "d"},  # itself
        {"after_id": "d"},
        {"column_id": "doing", "before_id": "a"},  # a is not in that column
        {"before_id": "x"},  # x is not in column_id (given below)
        {"before_id": "x", "after_id": "a"},  # neighbours in two columns
    ],
)
async def test_bad_moves_are_422_and_change_nothing(
    client: httpx.AsyncClient,
    app: FastAPI,
    team: Team,
    abcd: dict[str, Any],
    body: dict[str, str],
) -> None:
    x = await new_task(client, team, "x", column_id=team.columns[1])
    ids = {name: task["id"] for name, task in abcd.items()} | {
        "x": x["id"],
        "doing": team.columns[1],
    }
    payload = {k: ids[v] for k, v in body.items()}
    mover = abcd["d"] if "x" not in body.values() else abcd["b"]
    if body == {"before_id": "x"}:
        payload = {"before_id": x["id"], "column_id": team.columns[0]}
    response = await unchanged_after(app, lambda: move(client, team, mover, **payload))
    assert response.status_code == 422, (body, response.text)


async def test_create_between_neighbours(
    client: httpx.AsyncClient, team: Team, abcd: dict[str, Any]
) -> None:
    a, b = abcd["a"], abcd["b"]
    await new_task(client, team, "ab", after_id=a["id"], before_id=b["id"])
    await new_task(client, team, "first", before_id=a["id"])
    await new_task(client, team, "last", after_id=abcd["d"]["id"])
    assert await order(client, team, team.columns[0]) == ["first", "a", "ab", "b", "c", "d", "last"]
