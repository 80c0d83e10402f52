"""Comments over REST: the role matrix, the author rule, the count, the trash and restore."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from fastapi import FastAPI

from tests.conftest import Account
from tests.routes.cards import Request, board_seq, check_matrix, events_after, unchanged
from tests.routes.conftest import Team, new_task


async def new_comment(
    client: httpx.AsyncClient, task_id: int, author: Account, body: str = "Hello"
) -> Any:
    response = await client.post(
        f"/api/tasks/{task_id}/comments", json={"body": body}, headers=author.headers
    )
    assert response.status_code == 201, response.text
    return response.json()


async def list_comments(client: httpx.AsyncClient, app: FastAPI, team: Team) -> Request:
    return "GET", f"/api/tasks/{(await new_task(client, team))['id']}/comments", None


async def create_comment(client: httpx.AsyncClient, app: FastAPI, team: Team) -> Request:
    return "POST", f"/api/tasks/{(await new_task(client, team))['id']}/comments", {"body": "Hi"}


async def _editors_comment(client: httpx.AsyncClient, team: Team) -> Any:
    return await new_comment(client, (await new_task(client, team))["id"], team.editor)


async def patch_editors_comment(client: httpx.AsyncClient, app: FastAPI, team: Team) -> Request:
    comment = await _editors_comment(client, team)
    return "PATCH", f"/api/comments/{comment['id']}", {"body": "Edited"}


async def delete_editors_comment(client: httpx.AsyncClient, app: FastAPI, team: Team) -> Request:
    return "DELETE", f"/api/comments/{(await _editors_comment(client, team))['id']}", None


async def delete_owners_comment(client: httpx.AsyncClient, app: FastAPI, team: Team) -> Request:
    comment = await new_comment(client, (await new_task(client, team))["id"], team.owner)
    return "DELETE", f"/api/comments/{comment['id']}", None


async def restore_comment(client: httpx.AsyncClient, app: FastAPI, team: Team) -> Request:
    comment = await _editors_comment(client, team)
    deleted = await client.delete(f"/api/comments/{comment['id']}", headers=team.editor.headers)
    assert deleted.status_code == 204
    return "POST", f"/api/comments/{comment['id']}/restore", None


async def test_role_matrix(client: httpx.AsyncClient, app: FastAPI, team: Team) -> None:
    await check_matrix(
        client, app, team,
        [
            (list_comments, (200, 200, 200, 404)),
            (create_comment, (201, 201, 403, 404)),
            # Only the author edits; the author or the owner deletes.
            (patch_editors_comment, (403, 200, 403, 404)),
            (delete_editors_comment, (204, 204, 403, 404)),
            (delete_owners_comment, (204, 403, 403, 404)),
            (restore_comment, (200, 200, 403, 404)),
        ],
    )  # fmt: skip


async def test_count_events_trash_and_restore(
    client: httpx.AsyncClient, app: FastAPI, team: Team
) -> None:
    task = await new_task(client, team)
    start = await board_seq(client, team)
    first = await new_comment(client, task["id"], team.editor, "First")
    second = await new_comment(client, task["id"], team.owner, "Second")
    assert (first["task_id"], first["board_id"], first["author_id"]) == (
        task["id"], team.id, team.editor.id,
    )  # fmt: skip
    edited = await client.patch(
        f"/api/comments/{first['id']}", json={"body": "First, edited"}, headers=team.editor.headers
    )
    assert edited.status_code == 200 and edited.json()["body"] == "First, edited"
    url = f"/api/tasks/{task['id']}/comments"
    listed = await client.get(url, headers=team.viewer.headers)
    assert [c["id"] for c in listed.json()] == [first["id"], second["id"]]  # newest last

    async def count() -> int:
        got = await client.get(f"/api/tasks/{task['id']}", headers=team.viewer.headers)
        return int(got.json()["comment_count"])

    assert await count() == 2
    assert (
        await client.delete(f"/api/comments/{first['id']}", headers=team.owner.headers)
    ).status_code == 204
    assert await count() == 1
    assert [c["id"] for c in (await client.get(url, headers=team.viewer.headers)).json()] == [
        second["id"]
    ]
    restored = await client.post(
        f"/api/comments/{first['id']}/restore", headers=team.editor.headers
    )
    assert restored.status_code == 200 and restored.json() == edited.json()
    assert await count() == 2
    again = await unchanged(
        app,
        lambda: client.post(f"/api/comments/{first['id']}/restore", headers=team.editor.headers),
    )
    assert again.status_code == 404
    assert await events_after(client, team, start) == [
        (start + 1, "comment.created"), (start + 2, "comment.created"),
        (start + 3, "comment.updated"), (start + 4, "comment.deleted"),
        (start + 5, "comment.restored"),
    ]  # fmt: skip
    snapshot = (await client.get(f"/api/boards/{team.id}", headers=team.viewer.headers)).json()
    assert [t["comment_count"] for t in snapshot["tasks"]] == [2]


async def test_limits_and_a_gone_task(client: httpx.AsyncClient, app: FastAPI, team: Team) -> None:
    task = await new_task(client, team)
    url = f"/api/tasks/{task['id']}/comments"
    for body in ({"body": ""}, {"body": " \n"}, {"body": "x" * 5001}, {"body": "\x00"}, {}):
        response = await unchanged(
            app, lambda b=body: client.post(url, json=b, headers=team.editor.headers)
        )
        assert response.status_code == 422, body
    comment = await new_comment(client, task["id"], team.editor)
    await client.delete(f"/api/comments/{comment['id']}", headers=team.editor.headers)
    assert (
        await client.delete(f"/api/tasks/{task['id']}", headers=team.editor.headers)
    ).status_code == 204
    response = await unchanged(
        app,
        lambda: client.post(f"/api/comments/{comment['id']}/restore", headers=team.editor.headers),
    )
    assert response.status_code == 409 and "task" in response.json()["detail"]
    missing = await client.get("/api/tasks/999999/comments", headers=team.owner.headers)
    assert missing.status_code == 404


async def test_concurrent_comments_keep_the_count(client: httpx.AsyncClient, team: Team) -> None:
    task = await new_task(client, team)
    start = await board_seq(client, team)
    authors = [team.owner, team.editor] * 4
    made = await asyncio.gather(
        *(new_comment(client, task["id"], who, f"c{i}") for i, who in enumerate(authors))
    )
    got = await client.get(f"/api/tasks/{task['id']}", headers=team.viewer.headers)
    assert got.json()["comment_count"] == len(made) == 8
    events = await events_after(client, team, start)
    assert [seq for seq, _ in events] == list(range(start + 1, start + 9))
