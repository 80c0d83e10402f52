"""Restores over the live socket: every tab sees them in seq order; a deleted board still closes."""

from __future__ import annotations

import httpx

from tests.conftest import Account, register
from tests.support.live import add_member, create_task, join, new_board


async def test_restores_reach_every_socket_in_seq_order(
    http: httpx.AsyncClient, server_url: str, owner: Account
) -> None:
    board = await new_board(http, owner)
    viewer = await register(http, "watcher")
    await add_member(http, owner, board["id"], viewer, "viewer")  # seq 1
    column = board["columns"][1]["id"]
    task = await create_task(http, owner, board["id"], "Undo me", column_id=column)  # seq 2
    writer = await join(server_url, board["id"], owner)
    watcher = await join(server_url, board["id"], viewer)
    deleted = await http.delete(f"/api/tasks/{task['id']}", headers=owner.headers)  # seq 3
    assert deleted.status_code == 204
    gone = await http.delete(f"/api/columns/{column}", headers=owner.headers)  # seq 4
    assert gone.status_code == 204
    conflict = await writer.command("task.restore", {"id": task["id"]}, ref="t1")
    assert (conflict["type"], conflict["code"]) == ("error", "conflict")
    assert "restore the column first" in conflict["message"]
    refused = await watcher.command("column.restore", {"id": column}, ref="v1")
    assert (refused["type"], refused["code"]) == ("error", "forbidden")
    column_ack = await writer.command("column.restore", {"id": column}, ref="c1")
    assert column_ack["type"] == "ack" and column_ack["seq"] == 5
    assert column_ack["data"]["id"] == column
    task_ack = await writer.command("task.restore", {"id": task["id"]}, ref="t2")
    assert task_ack["type"] == "ack" and task_ack["seq"] == 6
    assert (task_ack["data"]["id"], task_ack["data"]["version"]) == (task["id"], 2)
    assert task_ack["data"]["position"] == task["position"]
    again = await writer.command("task.restore", {"id": task["id"]}, ref="t3")
    assert (again["type"], again["code"]) == ("error", "not_found")
    for tab in (writer, watcher):
        # Commands read past the events that came before their reply: those are kept in frames.
        while not any(f["type"] == "event" and f["seq"] == 6 for f in tab.frames):
            await tab.recv()
        events = [f for f in tab.frames if f["type"] == "event"]
        assert [(e["seq"], e["name"]) for e in events] == [
            (3, "task.deleted"), (4, "column.deleted"), (5, "column.restored"),
            (6, "task.restored"),
        ]  # fmt: skip
        assert events[-1]["data"] == task_ack["data"]
        await tab.close()


async def test_a_deleted_board_closes_4410_and_opens_again_once_restored(
    http: httpx.AsyncClient, server_url: str, owner: Account
) -> None:
    board = await new_board(http, owner)
    editor = await register(http, "helper")
    await add_member(http, owner, board["id"], editor, "editor")
    tabs = [await join(server_url, board["id"], who) for who in (owner, editor)]
    deleted = await http.delete(f"/api/boards/{board['id']}", headers=owner.headers)
    assert deleted.status_code == 204
    for tab in tabs:
        last = await tab.recv_type("event")
        assert (last["name"], last["seq"]) == ("board.deleted", 2)
        assert await tab.close_code() == 4410
    restored = await http.post(f"/api/boards/{board['id']}/restore", headers=owner.headers)
    assert restored.status_code == 200 and restored.json()["seq"] == 3
    back = await join(server_url, board["id"], editor)
    assert back.frames[0]["seq"] == 3
    await back.close()
