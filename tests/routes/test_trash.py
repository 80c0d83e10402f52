"""The trash over REST: listing, restoring tasks and columns, a board's soft deletion and restore."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import update

from taskflow.models import Comment, TrashItem
from taskflow.types import utcnow
from tests.conftest import Account
from tests.routes.conftest import Team, new_task, quick_account, unchanged_after


async def expire_trash(app: FastAPI) -> None:
    async with app.state.resources.db.session() as tx:
        await tx.execute(update(TrashItem).values(expires_at=utcnow() - timedelta(seconds=1)))
        await tx.commit()


async def delete(client: httpx.AsyncClient, url: str, who: Account) -> None:
    response = await client.delete(url, headers=who.headers)
    assert response.status_code == 204, response.text


async def board_tasks(client: httpx.AsyncClient, team: Team) -> list[Any]:
    response = await client.get(f"/api/boards/{team.id}/tasks", headers=team.viewer.headers)
    assert response.status_code == 200
    return list(response.json())


async def test_a_deleted_task_is_restored_at_its_place(
    client: httpx.AsyncClient, app: FastAPI, team: Team
) -> None:
    first = await new_task(client, team, "first")
    task = await new_task(client, team, "middle")
    last = await new_task(client, team, "last")
    async with app.state.resources.db.session() as tx:
        tx.add(Comment(task_id=task["id"], board_id=team.id, author_id=team.editor.id, body="hi",
                       created_at=utcnow(), updated_at=utcnow()))  # fmt: skip
        await tx.commit()
    await delete(client, f"/api/tasks/{task['id']}", team.editor)
    assert [t["id"] for t in await board_tasks(client, team)] == [first["id"], last["id"]]
    restored = await client.post(f"/api/tasks/{task['id']}/restore", headers=team.editor.headers)
    assert restored.status_code == 200, restored.text
    body = restored.json()
    assert restored.headers["ETag"] == '"2"' and body["version"] == 2
    assert (body["id"], body["position"], body["column_id"]) == (
        task["id"], task["position"], task["column_id"],
    )  # fmt: skip
    assert body["comment_count"] == 1
    assert [t["id"] for t in await board_tasks(client, team)] == [
        t["id"] for t in (first, task, last)
    ]
    again = await client.post(f"/api/tasks/{task['id']}/restore", headers=team.editor.headers)
    assert again.status_code == 404


async def test_restore_roles(client: httpx.AsyncClient, app: FastAPI, team: Team) -> None:
    tasks = [await new_task(client, team, f"t{i}") for i in range(2)]
    for task in tasks:
        await delete(client, f"/api/tasks/{task['id']}", team.owner)
    url = f"/api/tasks/{tasks[0]['id']}/restore"
    for who, status in ((team.stranger, 404), (team.viewer, 403)):
        refused = await unchanged_after(app, lambda who=who: client.post(url, headers=who.headers))
        assert refused.status_code == status, refused.text
    for who, task in ((team.owner, tasks[0]), (team.editor, tasks[1])):
        response = await client.post(f"/api/tasks/{task['id']}/restore", headers=who.headers)
        assert response.status_code == 200, response.text
    column = team.columns[2]
    await delete(client, f"/api/columns/{column}", team.editor)
    url = f"/api/columns/{column}/restore"
    for who, status in ((team.stranger, 404), (team.viewer, 403)):
        refused = await unchanged_after(app, lambda who=who: client.post(url, headers=who.headers))
        assert refused.status_code == status, refused.text
    restored = await client.post(url, headers=team.owner.headers)
    assert restored.status_code == 200 and restored.json()["id"] == column
    snapshot = await client.get(f"/api/boards/{team.id}", headers=team.viewer.headers)
    assert [c["id"] for c in snapshot.json()["columns"]] == team.columns


async def test_a_task_without_its_column_is_409_until_the_column_is_back(
    client: httpx.AsyncClient, app: FastAPI, team: Team
) -> None:
    column = team.columns[1]
    task = await new_task(client, team, "t", column_id=column)
    await delete(client, f"/api/tasks/{task['id']}", team.editor)
    await delete(client, f"/api/columns/{column}", team.editor)
    url = f"/api/tasks/{task['id']}/restore"
    refused = await unchanged_after(app, lambda: client.post(url, headers=team.editor.headers))
    assert refused.status_code == 409 and "restore the column first" in refused.json()["detail"]
    back = await client.post(f"/api/columns/{column}/restore", headers=team.editor.headers)
    assert back.status_code == 200
    assert (await client.post(url, headers=team.editor.headers)).status_code == 200


async def test_the_trash_lists_what_is_restorable_newest_first(
    client: httpx.AsyncClient, app: FastAPI, team: Team
) -> None:
    url = f"/api/boards/{team.id}/trash"
    assert (await client.get(url, headers=team.viewer.headers)).json() == []
    task = await new_task(client, team, "gone task")
    await delete(client, f"/api/tasks/{task['id']}", team.editor)
    await delete(client, f"/api/columns/{team.columns[2]}", team.owner)
    listed = await client.get(url, headers=team.viewer.headers)
    assert listed.status_code == 200
    items = listed.json()
    assert [(i["kind"], i["object_id"], i["title"]) for i in items] == [
        ("column", team.columns[2], "Done"),
        ("task", task["id"], "gone task"),
    ]
    assert items[0]["deleted_by"] == team.owner.id and items[1]["deleted_by"] == team.editor.id
    assert all(i["board_id"] == team.id for i in items)
    assert (await client.get(url, headers=team.stranger.headers)).status_code == 404
    await expire_trash(app)
    assert (await client.get(url, headers=team.viewer.headers)).json() == []
    expired = await client.post(f"/api/tasks/{task['id']}/restore", headers=team.owner.headers)
    assert expired.status_code == 404


async def test_a_deleted_board_is_restored_by_its_owner(
    client: httpx.AsyncClient, app: FastAPI, team: Team
) -> None:
    task = await new_task(client, team, "kept")
    url = f"/api/boards/{team.id}"
    members = (await client.get(url, headers=team.owner.headers)).json()["members"]
    for who, status in ((team.owner, 409), (team.editor, 403), (team.stranger, 404)):
        live = await unchanged_after(
            app, lambda who=who: client.post(f"{url}/restore", headers=who.headers)
        )
        assert live.status_code == status, live.text
    await delete(client, url, team.owner)
    deleted = await client.get("/api/trash/boards", headers=team.owner.headers)
    assert deleted.status_code == 200
    [item] = deleted.json()
    assert (item["kind"], item["object_id"], item["title"]) == ("board", team.id, "Roadmap")
    for who in (team.editor, team.viewer, team.stranger):
        assert (await client.get("/api/trash/boards", headers=who.headers)).json() == []
    assert (await client.get(url, headers=team.owner.headers)).status_code == 404
    assert (await client.get(f"{url}/trash", headers=team.owner.headers)).status_code == 404
    for who in (team.editor, team.viewer, team.stranger):
        refused = await client.post(f"{url}/restore", headers=who.headers)
        assert refused.status_code == 404
    restored = await client.post(f"{url}/restore", headers=team.owner.headers)
    assert restored.status_code == 200, restored.text
    body = restored.json()
    assert (body["id"], body["role"], body["name"]) == (team.id, "owner", "Roadmap")
    snapshot = (await client.get(url, headers=team.editor.headers)).json()
    assert snapshot["role"] == "editor" and snapshot["seq"] == body["seq"]
    assert snapshot["members"] == members
    assert [t["id"] for t in snapshot["tasks"]] == [task["id"]]
    assert [b["id"] for b in (await client.get("/api/boards", headers=team.viewer.headers)).json()] == [team.id]  # fmt: skip
    assert (await client.get("/api/trash/boards", headers=team.owner.headers)).json() == []
    # Restored once: now a live board, which a second restore conflicts with.
    assert (await client.post(f"{url}/restore", headers=team.owner.headers)).status_code == 409
    activity = await client.get(f"{url}/activity?limit=2", headers=team.owner.headers)
    assert [e["verb"] for e in activity.json()["items"]] == ["board.restored", "board.deleted"]


async def test_an_expired_board_cannot_be_restored(
    client: httpx.AsyncClient, app: FastAPI, team: Team
) -> None:
    url = f"/api/boards/{team.id}"
    await delete(client, url, team.owner)
    await expire_trash(app)
    assert (await client.get("/api/trash/boards", headers=team.owner.headers)).json() == []
    assert (await client.post(f"{url}/restore", headers=team.owner.headers)).status_code == 404
    other = await quick_account(app)
    assert (await client.post(f"{url}/restore", headers=other.headers)).status_code == 404
