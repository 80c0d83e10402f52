"""Members: the owner adds editors and viewers by username and removes them."""

from __future__ import annotations

import json

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from taskflow.models import BoardEvent
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


async def test_removing_a_member_unassigns_their_tasks_one_event_each(
    client: httpx.AsyncClient, app: FastAPI, team: Team
) -> None:
    first = await new_task(client, team, "first", assignee_id=team.viewer.id)
    others = await new_task(client, team, "others", assignee_id=team.editor.id)
    second = await new_task(client, team, "second", assignee_id=team.viewer.id)
    head = (await client.get(f"/api/boards/{team.id}", headers=team.owner.headers)).json()["seq"]
    url = f"/api/boards/{team.id}/members/{team.viewer.id}"
    assert (await client.delete(url, headers=team.owner.headers)).status_code == 204

    board = (await client.get(f"/api/boards/{team.id}", headers=team.owner.headers)).json()
    assert board["seq"] == head + 3
    by_id = {task["id"]: task for task in board["tasks"]}
    for task in (first, second):
        assert (by_id[task["id"]]["assignee_id"], by_id[task["id"]]["version"]) == (None, 2)
    assert by_id[others["id"]] == others
    async with app.state.resources.db.session() as session:
        rows = await session.execute(
            select(BoardEvent.seq, BoardEvent.name, BoardEvent.frame)
            .where(BoardEvent.board_id == team.id, BoardEvent.seq > head)
            .order_by(BoardEvent.seq)
        )
        events = [(seq, name, json.loads(frame)["data"]) for seq, name, frame in rows]
    assert [(seq, name) for seq, name, _ in events] == [
        (head + 1, "task.updated"), (head + 2, "task.updated"), (head + 3, "member.removed"),
    ]  # fmt: skip
    assert [data for _, _, data in events[:2]] == [by_id[first["id"]], by_id[second["id"]]]
    activity = await client.get(f"/api/boards/{team.id}/activity", headers=team.owner.headers)
    newest = activity.json()["items"][:3]
    assert [(e["seq"], e["verb"], e["target"]["id"]) for e in newest] == [
        (head + 3, "member.removed", team.viewer.id),
        (head + 2, "task.updated", second["id"]),
        (head + 1, "task.updated", first["id"]),
    ]
    assert newest[1]["changes"] == {"assignee_id": {"from": team.viewer.id, "to": None}}
    response = await unchanged_after(
        app,
        lambda: client.post(
            f"/api/boards/{team.id}/tasks",
            json={"title": "t", "assignee_id": team.viewer.id},
            headers=team.editor.headers,
        ),
    )
    assert response.status_code == 422
