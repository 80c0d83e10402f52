"""Members: the owner adds editors and viewers by username and removes them."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from tests.routes.conftest import Team, new_task, quick_account, unchanged_after


async def test_added_member_sees_the_board_with_their_role(
    client: httpx.AsyncClient, app: FastAPI, team: Team
) -> None:
    newcomer = await quick_account(app)
    response = await client.post(
        f"/api/boards/{team.id}/members",
        json={"username": newcomer.username.upper(), "role": "viewer"},
        headers=team.owner.headers,
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"user_id", "username", "role", "created_at"}
    assert (body["user_id"], body["username"], body["role"]) == (
        newcomer.id, newcomer.username, "viewer",
    )  # fmt: skip
    board = (await client.get(f"/api/boards/{team.id}", headers=newcomer.headers)).json()
    assert board["role"] == "viewer" and board["seq"] == 3


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"username": "nobody-here", "role": "editor"}, 422),
        ({"username": "x", "role": "editor"}, 422),
        ({"username": "{viewer}", "role": "editor"}, 409),
        ({"username": "{owner}", "role": "viewer"}, 409),
        ({"username": "{stranger}", "role": "owner"}, 422),
        ({"username": "{stranger}", "role": "admin"}, 422),
        ({"username": "{stranger}"}, 422),
        ({"username": "{stranger}", "role": "viewer", "extra": 1}, 422),
    ],
)
async def test_add_member_failures_change_nothing(
    client: httpx.AsyncClient, app: FastAPI, team: Team, body: dict[str, str], status: int
) -> None:
    names = {
        "{viewer}": team.viewer.username,
        "{owner}": team.owner.username,
        "{stranger}": team.stranger.username,
    }
    body = {k: names.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    response = await unchanged_after(
        app,
        lambda: client.post(
            f"/api/boards/{team.id}/members", json=body, headers=team.owner.headers
        ),
    )
    assert response.status_code == status, response.text
    if body.get("username") == "nobody-here":
        assert response.json() == {"detail": "no such user"}


async def test_remove_member(client: httpx.AsyncClient, app: FastAPI, team: Team) -> None:
    url = f"/api/boards/{team.id}/members/{team.editor.id}"
    response = await client.delete(url, headers=team.owner.headers)
    assert response.status_code == 204
    assert (
        await client.get(f"/api/boards/{team.id}", headers=team.editor.headers)
    ).status_code == 404
    again = await unchanged_after(app, lambda: client.delete(url, headers=team.owner.headers))
    assert again.status_code == 404
    owner_url = f"/api/boards/{team.id}/members/{team.owner.id}"
    owner = await unchanged_after(app, lambda: client.delete(owner_url, headers=team.owner.headers))
    assert owner.status_code == 409
    snapshot = (await client.get(f"/api/boards/{team.id}", headers=team.owner.headers)).json()
    assert [m["user_id"] for m in snapshot["members"]] == [team.owner.id, team.viewer.id]


async def test_an_assignee_must_be_a_member_and_stays_assigned_after_leaving(
    client: httpx.AsyncClient, app: FastAPI, team: Team
) -> None:
    task = await new_task(client, team, assignee_id=team.viewer.id)
    assert task["assignee_id"] == team.viewer.id
    url = f"/api/boards/{team.id}/members/{team.viewer.id}"
    assert (await client.delete(url, headers=team.owner.headers)).status_code == 204
    kept = await client.get(f"/api/tasks/{task['id']}", headers=team.editor.headers)
    assert kept.json()["assignee_id"] == team.viewer.id
    response = await unchanged_after(
        app,
        lambda: client.post(
            f"/api/boards/{team.id}/tasks",
            json={"title": "t", "assignee_id": team.viewer.id},
            headers=team.editor.headers,
        ),
    )
    assert response.status_code == 422
