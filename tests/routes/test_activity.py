"""The activity feed over REST (SQL feed): one entry per change, newest first, cursor paging."""

from __future__ import annotations

import base64

import httpx
import pytest
from fastapi import FastAPI

from taskflow.activity.cursor import encode
from tests.routes.conftest import Team, new_task

ENTRY_FIELDS = {"id", "board_id", "seq", "actor", "verb", "target", "changes", "ts"}


async def activity(client: httpx.AsyncClient, team: Team, **params: object) -> httpx.Response:
    return await client.get(
        f"/api/boards/{team.id}/activity", params=params, headers=team.viewer.headers
    )


async def test_every_kind_of_change_has_one_entry(
    client: httpx.AsyncClient, app: FastAPI, team: Team
) -> None:
    owner, editor = team.owner.headers, team.editor.headers
    await client.patch(f"/api/boards/{team.id}", json={"name": "Q3"}, headers=owner)
    column = (
        await client.post(f"/api/boards/{team.id}/columns", json={"name": "QA"}, headers=editor)
    ).json()
    await client.patch(f"/api/columns/{column['id']}", json={"name": "Review"}, headers=editor)
    task = await new_task(client, team, "Draft")
    await client.patch(f"/api/tasks/{task['id']}", json={"title": "Final"}, headers=editor)
    await client.patch(f"/api/tasks/{task['id']}", json={"column_id": column["id"]}, headers=editor)
    await client.delete(f"/api/tasks/{task['id']}", headers=editor)
    await client.delete(f"/api/columns/{column['id']}", headers=editor)
    await client.delete(f"/api/boards/{team.id}/members/{team.editor.id}", headers=owner)

    page = (await activity(client, team)).json()
    items = page["items"]
    assert page["next_cursor"] is None
    assert all(set(item) == ENTRY_FIELDS for item in items)
    assert [item["seq"] for item in items] == list(range(11, 0, -1))
    assert [item["verb"] for item in items] == [
        "member.removed", "column.deleted", "task.deleted", "task.moved", "task.updated",
        "task.created", "column.updated", "column.created", "board.updated",
        "member.added", "member.added",
    ]  # fmt: skip
    by_verb = {item["verb"]: item for item in items}
    assert by_verb["task.updated"]["changes"] == {"title": {"from": "Draft", "to": "Final"}}
    assert by_verb["task.updated"]["target"] == {"type": "task", "id": task["id"], "title": "Final"}
    assert by_verb["task.updated"]["actor"] == {
        "id": team.editor.id,
        "username": team.editor.username,
    }
    moved = by_verb["task.moved"]["changes"]
    assert moved["column_id"] == {"from": team.columns[0], "to": column["id"]}
    assert by_verb["board.updated"]["changes"] == {"name": {"from": "Roadmap", "to": "Q3"}}
    assert by_verb["column.updated"]["changes"] == {"name": {"from": "QA", "to": "Review"}}
    assert by_verb["member.removed"]["target"] == {
        "type": "member", "id": team.editor.id, "title": team.editor.username,
    }  # fmt: skip
    assert all(item["board_id"] == team.id for item in items)
    assert "password" not in str(items)


async def test_paging_with_cursors(client: httpx.AsyncClient, team: Team) -> None:
    for i in range(5):
        await new_task(client, team, f"t{i}")
    # 2 member.added + 5 task.created = seqs 1..7.
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, object] = {"limit": 3}
        if cursor:
            params["before"] = cursor
        page = (await activity(client, team, **params)).json()
        seen += [item["seq"] for item in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [7, 6, 5, 4, 3, 2, 1] and pages == 3
    # An exact fit: the last page says so without an empty page after it.
    full = (await activity(client, team, limit=7)).json()
    assert len(full["items"]) == 7 and full["next_cursor"] is None
    first = (await activity(client, team, limit=2)).json()
    assert first["next_cursor"] == encode(6)
    # Stable: new activity does not move an existing cursor.
    await new_task(client, team, "later")
    again = (await activity(client, team, limit=2, before=first["next_cursor"])).json()
    assert [item["seq"] for item in again["items"]] == [5, 4]


async def test_default_limit_is_50(client: httpx.AsyncClient, team: Team) -> None:
    for i in range(55):
        await new_task(client, team, f"t{i}")
    page = (await activity(client, team)).json()
    assert len(page["items"]) == 50 and page["next_cursor"] is not None
    most = (await activity(client, team, limit=200)).json()
    assert len(most["items"]) == 57 and most["next_cursor"] is None


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 201},
        {"limit": "ten"},
        {"before": ""},
        {"before": "not-a-cursor"},
        {"before": "%%%"},
        {"before": _b64("seq:abc")},
        {"before": _b64("seq:-1")},
        {"before": _b64("seq:007")},
        {"before": _b64("7")},
        {"before": encode(3) + "=="},
        {"before": "x" * 101},
    ],
)
async def test_bad_parameters_are_422(
    client: httpx.AsyncClient, team: Team, params: dict[str, object]
) -> None:
    response = await activity(client, team, **params)
    assert response.status_code == 422, response.text


async def test_activity_reads_its_own_writes(client: httpx.AsyncClient, team: Team) -> None:
    for i in range(10):
        task = await new_task(client, team, f"t{i}")
        newest = (await activity(client, team, limit=1)).json()["items"][0]
        assert newest["target"]["id"] == task["id"]
