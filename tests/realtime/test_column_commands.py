"""Column commands over the live socket: REST's rules and events, and `expected_name`."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import Account, register
from tests.support.live import LiveClient, add_member, create_task, join, new_board


async def snapshot(http: httpx.AsyncClient, account: Account, board_id: int) -> dict[str, Any]:
    response = await http.get(f"/api/boards/{board_id}", headers=account.headers)
    assert response.status_code == 200, response.text
    board: dict[str, Any] = response.json()
    return board


async def activity(http: httpx.AsyncClient, account: Account, board_id: int) -> list[Any]:
    response = await http.get(f"/api/boards/{board_id}/activity", headers=account.headers)
    assert response.status_code == 200, response.text
    items: list[Any] = response.json()["items"]
    return items


async def test_every_column_command_reaches_another_socket_as_rest_events_in_seq_order(
    http: httpx.AsyncClient, server_url: str, owner: Account
) -> None:
    board = await new_board(http, owner)
    editor = await register(http, "editor")
    await add_member(http, owner, board["id"], editor, "editor")
    first = board["columns"][0]
    watcher = await join(server_url, board["id"], owner)
    actor = await join(server_url, board["id"], editor)
    seq = (await snapshot(http, owner, board["id"]))["seq"]
    acks: list[dict[str, Any]] = []

    async def run(kind: str, data: dict[str, Any]) -> dict[str, Any]:
        reply = await actor.command(kind, data, ref=f"c{len(acks)}")
        assert reply["type"] == "ack", (kind, reply)
        acks.append(reply)
        return dict(reply["data"])

    added = await run("column.create", {"name": "Review"})
    assert (added["board_id"], added["name"]) == (board["id"], "Review")
    renamed = await run(
        "column.update", {"id": added["id"], "name": "QA", "expected_name": "Review"}
    )
    assert renamed["name"] == "QA" and renamed["position"] == added["position"]
    # A move alone may carry the precondition too.
    moved = await run(
        "column.update", {"id": added["id"], "before_id": first["id"], "expected_name": "QA"}
    )
    assert moved["position"] < first["position"]
    placed = await run("column.create", {"name": "Inbox", "after_id": added["id"]})
    assert moved["position"] < placed["position"] < first["position"]
    gone = await run("column.delete", {"id": placed["id"]})
    assert gone == {"id": placed["id"], "board_id": board["id"]}

    assert [a["seq"] for a in acks] == list(range(seq + 1, seq + 1 + len(acks)))
    events = await watcher.events_until(acks[-1]["seq"])
    assert [e["seq"] for e in events] == [a["seq"] for a in acks]
    assert [e["name"] for e in events] == [
        "column.created", "column.updated", "column.updated", "column.created", "column.deleted",
    ]  # fmt: skip
    assert [e["data"] for e in events] == [a["data"] for a in acks]
    assert all(e["actor"]["id"] == editor.id for e in events)
    columns = (await snapshot(http, owner, board["id"]))["columns"]
    assert columns[0] == moved
    assert [c["name"] for c in columns] == ["QA", "To do", "In progress", "Done"]
    entries = (await activity(http, owner, board["id"]))[: len(acks)]
    assert [(e["seq"], e["verb"]) for e in entries] == [
        (e["seq"], e["name"]) for e in reversed(events)
    ]
    assert all(e["actor"]["id"] == editor.id for e in entries)
    rename = entries[-2]
    assert rename["target"] == {"type": "column", "id": added["id"], "title": "QA"}
    assert rename["changes"] == {"name": {"from": "Review", "to": "QA"}}
    await watcher.close()
    await actor.close()


async def test_a_stale_expected_name_is_a_conflict_carrying_the_current_column(
    http: httpx.AsyncClient, server_url: str, owner: Account
) -> None:
    board = await new_board(http, owner)
    column = board["columns"][0]
    watcher = await join(server_url, board["id"], owner)
    actor = await join(server_url, board["id"], owner)
    # Someone renames it while an offline rename made against "To do" waits in an outbox.
    rest = await http.patch(
        f"/api/columns/{column['id']}", json={"name": "Backlog"}, headers=owner.headers
    )
    assert rest.status_code == 200, rest.text
    current = rest.json()
    before = await snapshot(http, owner, board["id"])

    stale = {"id": column["id"], "name": "Later", "expected_name": "To do"}
    stale_move = {
        "id": column["id"],
        "before_id": board["columns"][2]["id"],
        "expected_name": "To do",
    }
    for index, data in enumerate([stale, stale_move]):
        reply = await actor.command("column.update", data, ref=f"s{index}")
        assert (reply["type"], reply["code"]) == ("error", "conflict"), reply
        assert reply["data"] == current
        assert "renamed" in reply["message"] and "expected_name" in reply["message"]

    after = await snapshot(http, owner, board["id"])
    assert after == before
    assert (await activity(http, owner, board["id"]))[0]["seq"] == before["seq"]
    # The next change is the next seq: the refusals recorded no event in between.
    applied = await actor.command("column.update", {**stale, "expected_name": "Backlog"}, "ok")
    assert applied["type"] == "ack" and applied["seq"] == before["seq"] + 1
    assert applied["data"]["name"] == "Later"
    events = await watcher.events_until(applied["seq"])
    assert [(e["seq"], e["name"]) for e in events] == [
        (before["seq"], "column.updated"), (applied["seq"], "column.updated"),
    ]  # fmt: skip
    await watcher.close()
    await actor.close()


async def test_column_command_errors_change_nothing(
    http: httpx.AsyncClient, server_url: str, owner: Account
) -> None:
    board = await new_board(http, owner)
    other = await new_board(http, owner, "Other")
    here, far = board["columns"][0]["id"], other["columns"][0]["id"]
    await create_task(http, owner, board["id"], "Holds it", column_id=here)
    viewer = await register(http, "viewer")
    await add_member(http, owner, board["id"], viewer, "viewer")
    before = await snapshot(http, owner, board["id"])
    live: LiveClient = await join(server_url, board["id"], owner)
    cases = [
        ("column.create", {}, "invalid"),
        ("column.create", {"name": ""}, "invalid"),
        ("column.create", {"name": "x" * 101}, "invalid"),
        ("column.create", {"name": "QA", "color": "red"}, "invalid"),
        ("column.create", {"name": "QA", "before_id": str(here)}, "invalid"),
        ("column.create", {"name": "QA", "after_id": far}, "invalid"),
        ("column.update", {"id": here}, "invalid"),
        ("column.update", {"id": here, "name": None}, "invalid"),
        ("column.update", {"id": here, "name": "x" * 101}, "invalid"),
        ("column.update", {"id": here, "name": "QA", "extra": 1}, "invalid"),
        ("column.update", {"id": here, "name": "QA", "expected_name": 7}, "invalid"),
        ("column.update", {"id": here, "before_id": here}, "invalid"),
        ("column.update", {"id": here, "before_id": far}, "invalid"),
        ("column.update", {"id": far, "name": "QA"}, "not_found"),
        ("column.update", {"id": 999999, "name": "QA"}, "not_found"),
        ("column.delete", {}, "invalid"),
        ("column.delete", {"id": here, "version": 1}, "invalid"),
        ("column.delete", {"id": far}, "not_found"),
        # The contract's 409: it still holds a task.
        ("column.delete", {"id": here}, "conflict"),
        # A number in a string, or a boolean, names no column (REST's ids are as strict).
        ("column.update", {"id": str(here), "name": "QA"}, "invalid"),
        ("column.update", {"id": True, "name": "QA"}, "invalid"),
        ("column.update", {"id": 1.0, "name": "QA"}, "invalid"),
        ("column.delete", {"id": str(here)}, "invalid"),
        ("column.delete", {"id": True}, "invalid"),
    ]
    for index, (kind, data, code) in enumerate(cases):
        reply = await live.command(kind, data, ref=f"e{index}")
        assert (reply["type"], reply["code"]) == ("error", code), (kind, data, reply)
        assert "data" not in reply
    watching = await join(server_url, board["id"], viewer)
    for index, (kind, data) in enumerate(
        [
            ("column.create", {"name": "Mine"}),
            ("column.update", {"id": here, "name": "Mine"}),
            ("column.delete", {"id": board["columns"][2]["id"]}),
        ]
    ):
        refused = await watching.command(kind, data, ref=f"v{index}")
        assert (refused["type"], refused["code"]) == ("error", "forbidden"), (kind, refused)
    assert await snapshot(http, owner, board["id"]) == before
    assert len(await activity(http, owner, board["id"])) == before["seq"]
    await live.close()
    await watching.close()


async def test_a_replayed_ref_applies_once_and_answers_the_first_ack(
    http: httpx.AsyncClient, server_url: str, owner: Account
) -> None:
    board = await new_board(http, owner)
    live = await join(server_url, board["id"], owner)
    seq = (await snapshot(http, owner, board["id"]))["seq"]
    created = await live.command("column.create", {"name": "Review"}, ref="outbox-1")
    again = await live.command("column.create", {"name": "Review"}, ref="outbox-1")
    assert created["type"] == "ack" and again == created
    column = created["data"]["id"]
    renamed = await live.command(
        "column.update", {"id": column, "name": "QA", "expected_name": "Review"}, ref="outbox-2"
    )
    # A replay whose precondition no longer holds still gets the first ack, not a conflict.
    assert await live.command(
        "column.update", {"id": column, "name": "QA", "expected_name": "Review"}, ref="outbox-2"
    ) == renamed  # fmt: skip
    deleted = await live.command("column.delete", {"id": column}, ref="outbox-3")
    assert await live.command("column.delete", {"id": column}, ref="outbox-3") == deleted
    assert [r["seq"] for r in (created, renamed, deleted)] == [seq + 1, seq + 2, seq + 3]
    after = await snapshot(http, owner, board["id"])
    assert after["seq"] == seq + 3
    assert [c["name"] for c in after["columns"]] == ["To do", "In progress", "Done"]
    verbs = [e["verb"] for e in await activity(http, owner, board["id"])]
    assert verbs == ["column.deleted", "column.updated", "column.created"]
    await live.close()
