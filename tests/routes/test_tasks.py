"""Tasks: create, read, list, edit with If-Match, delete; limits and ids from other boards."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.routes.conftest import Team, make_board, new_task, unchanged_after

TASK_FIELDS = {
    "id", "board_id", "column_id", "title", "description", "position", "assignee_id",
    "due_date", "version", "label_ids", "comment_count", "checklist_total", "checklist_done",
    "created_by", "created_at", "updated_at",
}  # fmt: skip


async def test_create_defaults_to_first_column_last_place(
    client: httpx.AsyncClient, team: Team
) -> None:
    first = await new_task(client, team, "first")
    second = await new_task(client, team, "second")
    assert set(first) == TASK_FIELDS
    assert first["column_id"] == second["column_id"] == team.columns[0]
    assert first["position"] < second["position"]
    assert (first["version"], first["created_by"], first["description"]) == (1, team.editor.id, "")
    assert (
        first["board_id"] == team.id and first["assignee_id"] is None and first["due_date"] is None
    )


async def test_create_with_every_field(client: httpx.AsyncClient, team: Team) -> None:
    task = await new_task(
        client, team, "Ship it", description="d" * 10_000, column_id=team.columns[2],
        assignee_id=team.viewer.id, due_date="2026-06-01T09:30:00+02:00",
    )  # fmt: skip
    assert task["column_id"] == team.columns[2] and task["assignee_id"] == team.viewer.id
    due = datetime.fromisoformat(task["due_date"])
    assert due == datetime.fromisoformat("2026-06-01T07:30:00+00:00")
    assert due.utcoffset() == timedelta(0)
    fetched = await client.get(f"/api/tasks/{task['id']}", headers=team.viewer.headers)
    assert fetched.json() == task and fetched.headers["etag"] == '"1"'


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"title": ""},
        {"title": "  "},
        {"title": "t" * 201},
        {"title": 7},
        {"title": "t", "description": "d" * 10_001},
        {"title": "t", "description": None},
        {"title": "t", "due_date": "2026-06-01T09:30:00"},
        {"title": "t", "due_date": "next week"},
        {"title": "t", "due_date": 0},  # a number is not a date-time (pydantic alone: Unix time)
        {"title": "t", "due_date": "1780000000"},
        {"title": "t", "due_date": "2026-06-01T09:30Z"},
        {"title": "t", "column_id": "{foreign_column}"},
        {"title": "t", "column_id": 999_999},
        {"title": "t", "column_id": 0},
        {"title": "t", "column_id": "3"},
        {"title": "t", "before_id": "{foreign_task}"},
        {"title": "t", "after_id": 999_999},
        {"title": "t", "assignee_id": "{stranger}"},
        {"title": "t", "assignee_id": 999_999},
        {"title": "t", "position": "a0"},
        {"title": "t", "version": 1},
    ],
)
async def test_bad_create_is_422_and_changes_nothing(
    client: httpx.AsyncClient, app: FastAPI, team: Team, body: dict[str, Any]
) -> None:
    foreign = await make_board(client, team.stranger)
    foreign_task = await client.post(
        f"/api/boards/{foreign['id']}/tasks",
        json={"title": "theirs"},
        headers=team.stranger.headers,
    )
    names = {
        "{foreign_column}": foreign["columns"][0]["id"],
        "{foreign_task}": foreign_task.json()["id"],
        "{stranger}": team.stranger.id,
    }
    body = {k: names.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    response = await unchanged_after(
        app,
        lambda: client.post(f"/api/boards/{team.id}/tasks", json=body, headers=team.editor.headers),
    )
    assert response.status_code == 422, response.text
    assert "detail" in response.json()


async def test_limits_are_inclusive(client: httpx.AsyncClient, team: Team) -> None:
    task = await new_task(client, team, "t" * 200, description="d" * 10_000)
    assert len(task["title"]) == 200


async def test_update_fields_bumps_version(client: httpx.AsyncClient, team: Team) -> None:
    task = await new_task(client, team, assignee_id=team.editor.id, due_date="2026-01-01T00:00:00Z")
    response = await client.patch(
        f"/api/tasks/{task['id']}",
        json={"title": "New", "description": "Why", "assignee_id": None, "due_date": None},
        headers=team.editor.headers,
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["title"], body["description"], body["assignee_id"], body["due_date"]) == (
        "New", "Why", None, None,
    )  # fmt: skip
    assert body["version"] == 2 and body["position"] == task["position"]
    assert response.headers["etag"] == '"2"'
    assert body["updated_at"] > task["updated_at"] and body["created_at"] == task["created_at"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"version": 1},
        {"title": None},
        {"title": ""},
        {"column_id": None},
        {"description": "d" * 10_001},
        {"assignee_id": "{stranger}"},
        {"column_id": "{foreign_column}"},
        {"before_id": "{self}"},
        {"due_date": "tomorrow"},
        {"board_id": 2},
    ],
)
async def test_bad_update_is_422_and_changes_nothing(
    client: httpx.AsyncClient, app: FastAPI, team: Team, body: dict[str, Any]
) -> None:
    task = await new_task(client, team)
    foreign = await make_board(client, team.stranger)
    names = {
        "{stranger}": team.stranger.id,
        "{foreign_column}": foreign["columns"][0]["id"],
        "{self}": task["id"],
    }
    body = {k: names.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    response = await unchanged_after(
        app,
        lambda: client.patch(f"/api/tasks/{task['id']}", json=body, headers=team.editor.headers),
    )
    assert response.status_code == 422, response.text


@pytest.mark.parametrize("header", ['"1"', "1", ' "1" ', "*"])
async def test_if_match_accepts_the_current_version(
    client: httpx.AsyncClient, team: Team, header: str
) -> None:
    task = await new_task(client, team)
    response = await client.patch(
        f"/api/tasks/{task['id']}",
        json={"title": "x"},
        headers={**team.editor.headers, "If-Match": header},
    )
    assert response.status_code == 200, response.text


async def test_stale_if_match_is_412_with_the_current_task(
    client: httpx.AsyncClient, app: FastAPI, team: Team
) -> None:
    task = await new_task(client, team)
    url = f"/api/tasks/{task['id']}"
    current = (await client.patch(url, json={"title": "v2"}, headers=team.editor.headers)).json()
    for header in ('"1"', "1", '"3"'):
        stale = {**team.editor.headers, "If-Match": header}
        patched = await unchanged_after(
            app, lambda h=stale: client.patch(url, json={"title": "x"}, headers=h)
        )
        assert patched.status_code == 412 and patched.json() == {"detail": current}
        deleted = await unchanged_after(app, lambda h=stale: client.delete(url, headers=h))
        assert deleted.status_code == 412 and deleted.json() == {"detail": current}
    # A body version is the WebSocket's way of saying If-Match; REST accepts it too.
    body_version = await client.patch(
        url, json={"title": "x", "version": 1}, headers=team.editor.headers
    )
    assert body_version.status_code == 412
    ok = await client.delete(url, headers={**team.editor.headers, "If-Match": '"2"'})
    assert ok.status_code == 204


@pytest.mark.parametrize("header", ['W/"1"', '"one"', '"0"', "-1", '"1", "2"', "", '"1'])
async def test_malformed_if_match_is_422(
    client: httpx.AsyncClient, app: FastAPI, team: Team, header: str
) -> None:
    task = await new_task(client, team)
    url = f"/api/tasks/{task['id']}"
    headers = {**team.editor.headers, "If-Match": header}
    patched = await unchanged_after(
        app, lambda: client.patch(url, json={"title": "x"}, headers=headers)
    )
    assert patched.status_code == 422, patched.text
    deleted = await unchanged_after(app, lambda: client.delete(url, headers=headers))
    assert deleted.status_code == 422


async def test_delete_then_404(client: httpx.AsyncClient, team: Team) -> None:
    task = await new_task(client, team)
    url = f"/api/tasks/{task['id']}"
    assert (await client.delete(url, headers=team.editor.headers)).status_code == 204
    assert (await client.get(url, headers=team.editor.headers)).status_code == 404
    assert (
        await client.patch(url, json={"title": "x"}, headers=team.editor.headers)
    ).status_code == 404
    assert (await client.delete(url, headers=team.editor.headers)).status_code == 404


async def test_list_in_board_order_and_by_column(
    client: httpx.AsyncClient, app: FastAPI, team: Team
) -> None:
    todo, doing, done = team.columns
    c = await new_task(client, team, "c", column_id=done)
    a = await new_task(client, team, "a", column_id=todo)
    b = await new_task(client, team, "b", column_id=doing)
    a0 = await new_task(client, team, "a0", column_id=todo, before_id=a["id"])
    url = f"/api/boards/{team.id}/tasks"
    listed = (await client.get(url, headers=team.viewer.headers)).json()
    assert [t["title"] for t in listed] == ["a0", "a", "b", "c"]
    in_todo = await client.get(url, params={"column_id": todo}, headers=team.viewer.headers)
    assert [t["id"] for t in in_todo.json()] == [a0["id"], a["id"]]
    # Columns reordered: the board order follows.
    await client.patch(
        f"/api/columns/{done}", json={"before_id": todo}, headers=team.editor.headers
    )
    listed = (await client.get(url, headers=team.viewer.headers)).json()
    assert [t["id"] for t in listed] == [c["id"], a0["id"], a["id"], b["id"]]
    foreign = await make_board(client, team.stranger)
    for column_id in (foreign["columns"][0]["id"], 999_999, "x", 0):
        response = await client.get(
            url, params={"column_id": column_id}, headers=team.viewer.headers
        )
        assert response.status_code == 422


async def test_task_ids_across_boards_are_404(
    client: httpx.AsyncClient, app: FastAPI, team: Team
) -> None:
    foreign = await make_board(client, team.stranger)
    theirs = (
        await client.post(
            f"/api/boards/{foreign['id']}/tasks",
            json={"title": "secret"},
            headers=team.stranger.headers,
        )
    ).json()
    url = f"/api/tasks/{theirs['id']}"
    missing = f"/api/tasks/{theirs['id'] + 1000}"
    for target in (url, missing):
        for method, body in (("GET", None), ("PATCH", {"title": "x"}), ("DELETE", None)):
            response = await unchanged_after(
                app,
                lambda m=method, b=body, t=target: client.request(
                    m, t, json=b, headers=team.owner.headers
                ),
            )
            assert response.status_code == 404, (method, target)
            assert response.json() == {"detail": "task not found"}
