"""Checklists over REST: the role matrix, order, done/total, limits as 422 changing nothing."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from tests.routes.cards import Request, board_seq, check_matrix, events_after, unchanged
from tests.routes.conftest import Team, new_task


async def new_item(
    client: httpx.AsyncClient, team: Team, task_id: int, text: str = "Step", **place: int
) -> Any:
    response = await client.post(
        f"/api/tasks/{task_id}/checklist", json={"text": text, **place}, headers=team.editor.headers
    )
    assert response.status_code == 201, response.text
    return response.json()


async def _an_item(client: httpx.AsyncClient, team: Team) -> Any:
    return await new_item(client, team, (await new_task(client, team))["id"])


async def list_items(client: httpx.AsyncClient, app: FastAPI, team: Team) -> Request:
    return "GET", f"/api/tasks/{(await new_task(client, team))['id']}/checklist", None


async def create_item(client: httpx.AsyncClient, app: FastAPI, team: Team) -> Request:
    return "POST", f"/api/tasks/{(await new_task(client, team))['id']}/checklist", {"text": "Do"}


async def tick_item(client: httpx.AsyncClient, app: FastAPI, team: Team) -> Request:
    return "PATCH", f"/api/checklist/{(await _an_item(client, team))['id']}", {"done": True}


async def delete_item(client: httpx.AsyncClient, app: FastAPI, team: Team) -> Request:
    return "DELETE", f"/api/checklist/{(await _an_item(client, team))['id']}", None


async def test_role_matrix(client: httpx.AsyncClient, app: FastAPI, team: Team) -> None:
    await check_matrix(
        client, app, team,
        [
            (list_items, (200, 200, 200, 404)),
            (create_item, (201, 201, 403, 404)),
            (tick_item, (200, 200, 403, 404)),
            (delete_item, (204, 204, 403, 404)),
        ],
    )  # fmt: skip


async def test_order_counters_and_events(client: httpx.AsyncClient, team: Team) -> None:
    task = await new_task(client, team)
    start = await board_seq(client, team)
    a = await new_item(client, team, task["id"], "a")
    c = await new_item(client, team, task["id"], "c")
    b = await new_item(client, team, task["id"], "b", after_id=a["id"], before_id=c["id"])
    assert b["done"] is False and b["task_id"] == task["id"]
    for body in ({"done": True}, {"text": "C!", "before_id": a["id"]}):
        response = await client.patch(
            f"/api/checklist/{c['id']}", json=body, headers=team.editor.headers
        )
        assert response.status_code == 200, response.text
    listed = await client.get(f"/api/tasks/{task['id']}/checklist", headers=team.viewer.headers)
    assert [(i["text"], i["done"]) for i in listed.json()] == [
        ("C!", True),
        ("a", False),
        ("b", False),
    ]
    got = (await client.get(f"/api/tasks/{task['id']}", headers=team.viewer.headers)).json()
    assert (got["checklist_done"], got["checklist_total"], got["version"]) == (1, 3, 1)
    assert (
        await client.delete(f"/api/checklist/{c['id']}", headers=team.editor.headers)
    ).status_code == 204
    got = (await client.get(f"/api/tasks/{task['id']}", headers=team.viewer.headers)).json()
    assert (got["checklist_done"], got["checklist_total"]) == (0, 2)
    assert await events_after(client, team, start) == [
        (start + 1, "checklist.created"), (start + 2, "checklist.created"),
        (start + 3, "checklist.created"), (start + 4, "checklist.updated"),
        (start + 5, "checklist.updated"), (start + 6, "checklist.deleted"),
    ]  # fmt: skip


async def test_limits_are_422_and_change_nothing(
    client: httpx.AsyncClient, app: FastAPI, team: Team
) -> None:
    task = await new_task(client, team)
    other = await new_task(client, team, "Other")
    foreign = await new_item(client, team, other["id"])
    item = await new_item(client, team, task["id"])
    url = f"/api/tasks/{task['id']}/checklist"
    for body in ({"text": ""}, {"text": "x" * 201}, {"text": "ok", "before_id": foreign["id"]}):
        response = await unchanged(
            app, lambda b=body: client.post(url, json=b, headers=team.editor.headers)
        )
        assert response.status_code == 422, body
    for body in ({}, {"done": None}, {"done": "yes"}, {"after_id": item["id"]}):
        response = await unchanged(
            app,
            lambda b=body: client.patch(
                f"/api/checklist/{item['id']}", json=b, headers=team.editor.headers
            ),
        )
        assert response.status_code == 422, body
    for index in range(99):
        await new_item(client, team, task["id"], f"s{index}")
    response = await unchanged(
        app, lambda: client.post(url, json={"text": "101st"}, headers=team.editor.headers)
    )
    assert response.status_code == 422 and "100" in response.json()["detail"]
