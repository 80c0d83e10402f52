"""Boards over REST: create, list, snapshot, rename, delete."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI

from tests.routes.conftest import (
    Team,
    counts,
    make_board,
    new_task,
    quick_account,
    unchanged_after,
)

BOARD_FIELDS = {"id", "name", "owner_id", "role", "seq", "created_at", "updated_at"}


async def test_create_board_makes_three_columns_and_no_event(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    owner = await quick_account(app)
    created = await client.post("/api/boards", json={"name": "Launch"}, headers=owner.headers)
    assert created.status_code == 201
    body = created.json()
    assert set(body) == BOARD_FIELDS
    assert (body["name"], body["owner_id"], body["role"], body["seq"]) == (
        "Launch", owner.id, "owner", 0,
    )  # fmt: skip
    assert datetime.fromisoformat(body["created_at"]).utcoffset() == timedelta(0)
    snapshot = (await client.get(f"/api/boards/{body['id']}", headers=owner.headers)).json()
    assert [c["name"] for c in snapshot["columns"]] == ["To do", "In progress", "Done"]
    positions = [c["position"] for c in snapshot["columns"]]
    assert positions == sorted(positions)
    found = await counts(app)
    assert (found["events"], found["outbox"] + found["activity"], found["seq"]) == (0, 0, 0)


@pytest.mark.parametrize(
    "body",
    [{}, {"name": ""}, {"name": "   "}, {"name": "x" * 101}, {"name": 5}, {"name": "a", "x": 1}],
)
async def test_create_board_rejects_bad_names(
    client: httpx.AsyncClient, app: FastAPI, body: object
) -> None:
    owner = await quick_account(app)
    response = await unchanged_after(
        app, lambda: client.post("/api/boards", json=body, headers=owner.headers)
    )
    assert response.status_code == 422


async def test_name_limits_are_inclusive(client: httpx.AsyncClient, app: FastAPI) -> None:
    owner = await quick_account(app)
    for name in ("x", "x" * 100, "Ünïcødé ✓ board"):
        response = await client.post("/api/boards", json={"name": name}, headers=owner.headers)
        assert response.status_code == 201 and response.json()["name"] == name


async def test_list_shows_only_my_boards_with_my_role(
    client: httpx.AsyncClient, team: Team
) -> None:
    mine = await make_board(client, team.viewer, "Viewer's own")
    listed = (await client.get("/api/boards", headers=team.viewer.headers)).json()
    assert [(b["id"], b["role"]) for b in listed] == [(team.id, "viewer"), (mine["id"], "owner")]
    assert all(set(b) == BOARD_FIELDS for b in listed)
    assert (await client.get("/api/boards", headers=team.stranger.headers)).json() == []


async def test_snapshot_has_everything_at_one_seq(client: httpx.AsyncClient, team: Team) -> None:
    first = await new_task(client, team, "first")
    second = await new_task(client, team, "second", column_id=team.columns[1])
    snapshot = (await client.get(f"/api/boards/{team.id}", headers=team.viewer.headers)).json()
    assert set(snapshot) == BOARD_FIELDS | {"columns", "tasks", "members", "labels"}
    assert snapshot["role"] == "viewer" and snapshot["seq"] == 4
    assert [t["id"] for t in snapshot["tasks"]] == [first["id"], second["id"]]
    assert snapshot["tasks"][0] == first
    assert [(m["user_id"], m["role"]) for m in snapshot["members"]] == [
        (team.owner.id, "owner"), (team.editor.id, "editor"), (team.viewer.id, "viewer"),
    ]  # fmt: skip
    assert set(snapshot["members"][0]) == {"user_id", "username", "role", "created_at"}


async def test_rename_is_owner_only_and_an_event(
    client: httpx.AsyncClient, app: FastAPI, team: Team
) -> None:
    url = f"/api/boards/{team.id}"
    for who in (team.editor, team.viewer):
        response = await unchanged_after(
            app, lambda who=who: client.patch(url, json={"name": "X"}, headers=who.headers)
        )
        assert response.status_code == 403
    response = await client.patch(url, json={"name": "Renamed"}, headers=team.owner.headers)
    assert response.status_code == 200
    assert response.json()["name"] == "Renamed" and response.json()["seq"] == 3
    bad = await unchanged_after(
        app, lambda: client.patch(url, json={"name": ""}, headers=team.owner.headers)
    )
    assert bad.status_code == 422


async def test_delete_board(client: httpx.AsyncClient, app: FastAPI, team: Team) -> None:
    await new_task(client, team)
    url = f"/api/boards/{team.id}"
    for who in (team.editor, team.viewer):
        response = await unchanged_after(
            app, lambda who=who: client.delete(url, headers=who.headers)
        )
        assert response.status_code == 403
    response = await client.delete(url, headers=team.owner.headers)
    assert response.status_code == 204 and response.content == b""
    for who in (team.owner, team.editor):
        assert (await client.get(url, headers=who.headers)).status_code == 404
        assert (await client.get("/api/boards", headers=who.headers)).json() == []
    found = await counts(app)
    # In the owner's trash: its rows are kept for a restore, its members are not members now.
    assert (found["boards"], found["columns"], found["tasks"], found["members"]) == (1, 3, 1, 0)
    # The board's history: 2 member.added, task.created, board.deleted.
    assert found["outbox"] + found["activity"] == 4
    assert (await client.delete(url, headers=team.owner.headers)).status_code == 404


@pytest.mark.parametrize("board_id", ["0", "-1", "abc", str(2**63), "1.5"])
async def test_ids_out_of_range_are_422(
    client: httpx.AsyncClient, app: FastAPI, board_id: str
) -> None:
    owner = await quick_account(app)
    response = await client.get(f"/api/boards/{board_id}", headers=owner.headers)
    assert response.status_code == 422


async def test_unauthenticated_calls_are_401(client: httpx.AsyncClient, team: Team) -> None:
    for method, url in (
        ("GET", "/api/boards"),
        ("POST", "/api/boards"),
        ("GET", f"/api/boards/{team.id}"),
        ("GET", f"/api/boards/{team.id}/tasks"),
        ("GET", f"/api/boards/{team.id}/activity"),
        ("PATCH", f"/api/columns/{team.columns[0]}"),
        ("GET", "/api/tasks/1"),
    ):
        response = await client.request(method, url, json={})
        assert response.status_code == 401, (method, url)


async def test_a_new_board_never_inherits_a_deleted_boards_activity(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    owner = await quick_account(app)
    kept = await make_board(client, owner, "Kept")
    gone = await make_board(client, owner, "Gone")
    await client.post(
        f"/api/boards/{gone['id']}/tasks", json={"title": "old"}, headers=owner.headers
    )
    assert (
        await client.delete(f"/api/boards/{gone['id']}", headers=owner.headers)
    ).status_code == 204
    fresh = await make_board(client, owner, "Fresh")
    assert fresh["id"] not in (kept["id"], gone["id"])
    await client.post(
        f"/api/boards/{fresh['id']}/tasks", json={"title": "new"}, headers=owner.headers
    )
    page = await client.get(f"/api/boards/{fresh['id']}/activity", headers=owner.headers)
    assert [item["target"]["title"] for item in page.json()["items"]] == ["new"]
