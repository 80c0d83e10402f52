"""Labels over REST: the role matrix, limits as 422 changing nothing, labels on tasks, filters."""

from __future__ import annotations

import itertools
from typing import Any

import httpx
from fastapi import FastAPI

from tests.routes.cards import Request, board_seq, check_matrix, events_after, unchanged
from tests.routes.conftest import Team, new_task


async def new_label(client: httpx.AsyncClient, team: Team, name: str = "Bug", **more: Any) -> Any:
    response = await client.post(
        f"/api/boards/{team.id}/labels", json={"name": name, **more}, headers=team.editor.headers
    )
    assert response.status_code == 201, response.text
    return response.json()


_made = itertools.count(1)


async def list_labels(client: httpx.AsyncClient, app: FastAPI, team: Team) -> Request:
    return "GET", f"/api/boards/{team.id}/labels", None


async def create_label(client: httpx.AsyncClient, app: FastAPI, team: Team) -> Request:
    return "POST", f"/api/boards/{team.id}/labels", {"name": f"New {next(_made)}", "color": "teal"}


async def patch_label(client: httpx.AsyncClient, app: FastAPI, team: Team) -> Request:
    label = await new_label(client, team, f"L{next(_made)}")
    return "PATCH", f"/api/labels/{label['id']}", {"color": "purple"}


async def delete_label(client: httpx.AsyncClient, app: FastAPI, team: Team) -> Request:
    label = await new_label(client, team, f"L{next(_made)}")
    return "DELETE", f"/api/labels/{label['id']}", None


async def test_role_matrix(client: httpx.AsyncClient, app: FastAPI, team: Team) -> None:
    await check_matrix(
        client, app, team,
        [
            (list_labels, (200, 200, 200, 404)),
            (create_label, (201, 201, 403, 404)),
            (patch_label, (200, 200, 403, 404)),
            (delete_label, (204, 204, 403, 404)),
        ],
    )  # fmt: skip


async def test_changes_are_consecutive_events(client: httpx.AsyncClient, team: Team) -> None:
    start = await board_seq(client, team)
    label = await new_label(client, team, "Bug", color="red")
    assert label["board_id"] == team.id and label["color"] == "red"
    renamed = await client.patch(
        f"/api/labels/{label['id']}", json={"name": "Defect"}, headers=team.editor.headers
    )
    assert renamed.status_code == 200 and renamed.json()["name"] == "Defect"
    listed = await client.get(f"/api/boards/{team.id}/labels", headers=team.viewer.headers)
    assert listed.json() == [renamed.json()]
    snapshot = await client.get(f"/api/boards/{team.id}", headers=team.viewer.headers)
    assert snapshot.json()["labels"] == [renamed.json()]
    deleted = await client.delete(f"/api/labels/{label['id']}", headers=team.editor.headers)
    assert deleted.status_code == 204
    assert await events_after(client, team, start) == [
        (start + 1, "label.created"), (start + 2, "label.updated"), (start + 3, "label.deleted"),
    ]  # fmt: skip


async def test_limits_are_422_or_409_and_change_nothing(
    client: httpx.AsyncClient, app: FastAPI, team: Team
) -> None:
    await new_label(client, team, "Bug")
    url = f"/api/boards/{team.id}/labels"
    for body, status in (
        ({"name": ""}, 422),
        ({"name": "x" * 41}, 422),
        ({"name": "   "}, 422),
        ({"name": "ok", "color": "magenta"}, 422),
        ({"name": "ok", "extra": 1}, 422),
        ({"name": "bug"}, 409),
        ({"name": " Bug "}, 409),  # trimmed before it is compared
    ):
        response = await unchanged(
            app, lambda b=body: client.post(url, json=b, headers=team.editor.headers)
        )
        assert response.status_code == status, (body, response.text)
    for index in range(49):
        await new_label(client, team, f"L{index}")
    response = await unchanged(
        app, lambda: client.post(url, json={"name": "51st"}, headers=team.editor.headers)
    )
    assert response.status_code == 422 and "50" in response.json()["detail"]


async def test_labels_on_tasks_and_the_filter(
    client: httpx.AsyncClient, app: FastAPI, team: Team
) -> None:
    bug, ux = await new_label(client, team, "Bug"), await new_label(client, team, "UX")
    both = await new_task(client, team, "Fix login", label_ids=[bug["id"], ux["id"]])
    assert both["label_ids"] == [bug["id"], ux["id"]]
    mine = await new_task(client, team, "Crash", description="on LOGIN", assignee_id=team.viewer.id)
    tagged = await client.patch(
        f"/api/tasks/{mine['id']}", json={"label_ids": [bug["id"]]}, headers=team.editor.headers
    )
    assert tagged.status_code == 200 and tagged.json()["version"] == 2
    await new_task(client, team, "Plain")
    for wrong in ([bug["id"], bug["id"]], [ux["id"] + 999], list(range(1, 22)), None):
        response = await unchanged(
            app,
            lambda w=wrong: client.patch(
                f"/api/tasks/{mine['id']}", json={"label_ids": w}, headers=team.editor.headers
            ),
        )
        assert response.status_code == 422, (wrong, response.text)
    url = f"/api/boards/{team.id}/tasks"

    async def titles(**params: Any) -> list[str]:
        response = await client.get(url, params=params, headers=team.viewer.headers)
        assert response.status_code == 200, response.text
        return [t["title"] for t in response.json()]

    assert await titles(label=bug["id"]) == ["Fix login", "Crash"]
    assert await titles(label=[bug["id"], ux["id"]]) == ["Fix login"]
    assert await titles(assignee=team.viewer.id) == ["Crash"]
    assert await titles(q="login") == ["Fix login", "Crash"]
    assert await titles(q="LOGIN", assignee=team.viewer.id, label=bug["id"]) == ["Crash"]
    assert await titles(q="nothing like it") == []
    for params in ({"q": ""}, {"q": "x" * 201}, {"label": ux["id"] + 999}, {"label": 0}):
        response = await client.get(url, params=params, headers=team.viewer.headers)
        assert response.status_code == 422, params
    unknown = await client.get(url, params={"label": ux["id"] + 999}, headers=team.viewer.headers)
    assert unknown.json()["detail"].startswith("label holds"), unknown.text  # the query's name
    stranger = await client.get(url, params={"q": "x"}, headers=team.stranger.headers)
    assert stranger.status_code == 404
    # Deleting a label takes it off every task; their versions stay.
    assert (
        await client.delete(f"/api/labels/{bug['id']}", headers=team.owner.headers)
    ).status_code == 204
    after = (await client.get(url, headers=team.viewer.headers)).json()
    assert [(t["label_ids"], t["version"]) for t in after] == [([ux["id"]], 1), ([], 2), ([], 1)]
