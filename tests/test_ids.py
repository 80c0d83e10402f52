"""Ids never come back: a deleted board's, task's or event's id is not handed out again."""

from __future__ import annotations

import httpx

from tests.conftest import register
from tests.support.live import create_task, new_board


async def test_ids_of_deleted_rows_are_never_reused(client: httpx.AsyncClient) -> None:
    owner = await register(client, "ines")
    board = await new_board(client, owner)
    task = await create_task(client, owner, board["id"], "first")
    assert (
        await client.delete(f"/api/tasks/{task['id']}", headers=owner.headers)
    ).status_code == 204
    column = board["columns"][-1]
    assert (
        await client.delete(f"/api/columns/{column['id']}", headers=owner.headers)
    ).status_code == 204
    assert (
        await client.delete(f"/api/boards/{board['id']}", headers=owner.headers)
    ).status_code == 204
    again = await new_board(client, owner)
    assert again["id"] > board["id"]
    assert min(c["id"] for c in again["columns"]) > max(c["id"] for c in board["columns"])
    assert (await create_task(client, owner, again["id"], "second"))["id"] > task["id"]
    activity = (
        await client.get(f"/api/boards/{again['id']}/activity", headers=owner.headers)
    ).json()
    assert [item["target"]["title"] for item in activity["items"]] == ["second"]
