"""Card-detail commands over the live socket: each reaches the other sockets in seq order."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import Account, register
from tests.support.live import LiveClient, add_member, create_task, join, new_board


async def test_every_card_command_reaches_another_socket_in_seq_order(
    http: httpx.AsyncClient, server_url: str, owner: Account
) -> None:
    board = await new_board(http, owner)
    editor = await register(http, "editor")
    await add_member(http, owner, board["id"], editor, "editor")
    task = await create_task(http, owner, board["id"], "Card")
    watcher = await join(server_url, board["id"], owner)
    actor = await join(server_url, board["id"], editor)
    seq = (await http.get(f"/api/boards/{board['id']}", headers=owner.headers)).json()["seq"]
    acks: list[dict[str, Any]] = []

    async def run(kind: str, data: dict[str, Any]) -> dict[str, Any]:
        reply = await actor.command(kind, data, ref=f"c{len(acks)}")
        assert reply["type"] == "ack", (kind, reply)
        acks.append({"kind": kind, **reply})
        return dict(reply["data"])

    label = await run("label.create", {"name": "Bug", "color": "red"})
    await run("label.update", {"id": label["id"], "color": "blue"})
    tagged = await run("task.update", {"id": task["id"], "label_ids": [label["id"]]})
    assert tagged["label_ids"] == [label["id"]] and tagged["version"] == 2
    comment = await run("comment.create", {"id": task["id"], "body": "Looks good"})
    assert comment["task"]["comment_count"] == 1 and comment["author_id"] == editor.id
    await run("comment.update", {"id": comment["id"], "body": "Looks great"})
    gone = await run("comment.delete", {"id": comment["id"]})
    assert gone["task"]["comment_count"] == 0
    back = await run("comment.restore", {"id": comment["id"]})
    assert back["id"] == comment["id"] and back["body"] == "Looks great"
    first = await run("checklist.create", {"id": task["id"], "text": "Write"})
    second = await run(
        "checklist.create", {"id": task["id"], "text": "Ship", "before_id": first["id"]}
    )
    ticked = await run("checklist.update", {"id": first["id"], "done": True})
    assert ticked["task"]["checklist_done"] == 1 and ticked["task"]["checklist_total"] == 2
    await run("checklist.delete", {"id": second["id"]})
    await run("label.delete", {"id": label["id"]})
    assert [a["seq"] for a in acks] == list(range(seq + 1, seq + 1 + len(acks)))
    events = await watcher.events_until(acks[-1]["seq"])
    assert [e["seq"] for e in events] == [a["seq"] for a in acks]
    assert [e["name"] for e in events] == [
        "label.created", "label.updated", "task.updated", "comment.created", "comment.updated",
        "comment.deleted", "comment.restored", "checklist.created", "checklist.created",
        "checklist.updated", "checklist.deleted", "label.deleted",
    ]  # fmt: skip
    assert [e["data"] for e in events] == [a["data"] for a in acks]
    assert all(e["actor"]["id"] == editor.id for e in events)
    rest = await http.get(f"/api/tasks/{task['id']}/checklist", headers=owner.headers)
    assert [i["text"] for i in rest.json()] == ["Write"]
    card = (await http.get(f"/api/tasks/{task['id']}", headers=owner.headers)).json()
    assert card["label_ids"] == [] and card["version"] == 2
    assert (card["comment_count"], card["checklist_total"], card["checklist_done"]) == (1, 1, 1)
    await watcher.close()
    await actor.close()


async def test_card_command_errors(
    http: httpx.AsyncClient, server_url: str, owner: Account
) -> None:
    board = await new_board(http, owner)
    other = await new_board(http, owner, "Other")
    here = await create_task(http, owner, board["id"], "Here")
    elsewhere = await create_task(http, owner, other["id"], "Elsewhere")
    label = await http.post(
        f"/api/boards/{other['id']}/labels", json={"name": "Far"}, headers=owner.headers
    )
    viewer = await register(http, "viewer")
    await add_member(http, owner, board["id"], viewer, "viewer")
    live: LiveClient = await join(server_url, board["id"], owner)
    cases = [
        ("label.create", {"name": ""}, "invalid"),
        ("label.create", {"name": "x", "color": "magenta"}, "invalid"),
        ("label.update", {"id": label.json()["id"], "name": "Near"}, "not_found"),
        ("label.delete", {}, "invalid"),
        ("comment.create", {"id": elsewhere["id"], "body": "hi"}, "not_found"),
        ("comment.create", {"id": here["id"], "body": "hi", "extra": 1}, "invalid"),
        ("comment.restore", {"id": 999999}, "not_found"),
        ("checklist.create", {"id": here["id"], "text": ""}, "invalid"),
        ("checklist.update", {"id": 999999, "done": True}, "not_found"),
        ("checklist.delete", {"id": "one"}, "invalid"),
        # A number in a string, or a boolean, names no object (REST's ids are as strict).
        ("comment.create", {"id": str(here["id"]), "body": "hi"}, "invalid"),
        ("comment.create", {"id": True, "body": "hi"}, "invalid"),
        ("comment.delete", {"id": True}, "invalid"),
        ("label.update", {"id": str(label.json()["id"]), "color": "blue"}, "invalid"),
        ("checklist.update", {"id": 1.0, "done": True}, "invalid"),
    ]
    for index, (kind, data, code) in enumerate(cases):
        reply = await live.command(kind, data, ref=f"e{index}")
        assert (reply["type"], reply["code"]) == ("error", code), (kind, data, reply)
    watching = await join(server_url, board["id"], viewer)
    refused = await watching.command("comment.create", {"id": here["id"], "body": "x"}, "v1")
    assert (refused["type"], refused["code"]) == ("error", "forbidden")
    snapshot = (await http.get(f"/api/boards/{board['id']}", headers=owner.headers)).json()
    assert snapshot["seq"] == 2  # task.created and member.added only
    await live.close()
    await watching.close()
