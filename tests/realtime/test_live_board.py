"""The live-board socket end to end: hello, events, commands, errors and close codes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
from fastapi import FastAPI
from sqlalchemy import update

from taskflow.config import Settings
from taskflow.database import Database
from taskflow.models import Task
from taskflow.services import ordering
from tests.conftest import Account, register
from tests.support.live import add_member, create_task, join, new_board, open_live


async def test_hello_then_events_in_every_tab(
    http: httpx.AsyncClient, server_url: str, owner: Account
) -> None:
    board = await new_board(http, owner)
    first = await open_live(server_url, board["id"], owner.token)
    hello = await first.recv()
    assert hello == {
        "type": "hello",
        "board_id": board["id"],
        "seq": 0,
        "user": {"id": owner.id, "username": owner.username},
        "presence": [{"id": owner.id, "username": owner.username}],
    }
    second = await join(server_url, board["id"], owner)
    task = await create_task(http, owner, board["id"], "Write tests")
    for tab in (first, second):
        event = await tab.recv_type("event")
        assert event["seq"] == 1 and event["name"] == "task.created"
        assert event["board_id"] == board["id"]
        assert event["actor"] == {"id": owner.id, "username": owner.username}
        assert event["data"] == task
        assert datetime.fromisoformat(event["ts"]).utcoffset() == timedelta(0)
    await first.close()
    await second.close()


async def test_command_ack_and_the_same_event_as_rest(
    http: httpx.AsyncClient, server_url: str, owner: Account
) -> None:
    board = await new_board(http, owner)
    watcher = await join(server_url, board["id"], owner)
    actor = await join(server_url, board["id"], owner)
    ack = await actor.command("task.create", {"title": "From the socket"}, ref="c1")
    assert ack["type"] == "ack" and ack["ref"] == "c1" and ack["seq"] == 1
    assert ack["data"]["title"] == "From the socket" and ack["data"]["version"] == 1
    event = await watcher.recv_type("event")
    assert event["data"] == ack["data"] and event["name"] == "task.created"
    task_id = ack["data"]["id"]
    update = await actor.command(
        "task.update", {"id": task_id, "version": 1, "title": "Renamed"}, "c2"
    )
    assert update["type"] == "ack" and update["data"]["version"] == 2 and update["seq"] == 2
    stale = await actor.command("task.update", {"id": task_id, "version": 1, "title": "Late"}, "c3")
    assert stale["type"] == "error" and stale["code"] == "conflict"
    assert stale["data"]["version"] == 2 and stale["data"]["title"] == "Renamed"
    removed = await actor.command("task.delete", {"id": task_id, "version": 2}, "c4")
    assert removed["type"] == "ack" and removed["seq"] == 3
    names = [e["name"] for e in await watcher.events_until(3)]
    assert names == ["task.updated", "task.deleted"]
    rest = await http.get(f"/api/tasks/{task_id}", headers=owner.headers)
    assert rest.status_code == 404
    await watcher.close()
    await actor.close()


async def test_command_errors(http: httpx.AsyncClient, server_url: str, owner: Account) -> None:
    board = await new_board(http, owner)
    other_board = await new_board(http, owner, "Other")
    elsewhere = await create_task(http, owner, other_board["id"], "Not here")
    viewer = await register(http, "viewer")
    await add_member(http, owner, board["id"], viewer, "viewer")
    live = await join(server_url, board["id"], owner)
    cases = [
        ("task.create", {"title": ""}, "invalid"),
        ("task.create", {"title": "x", "column_id": "one"}, "invalid"),
        ("task.create", {"title": "x", "bogus": 1}, "invalid"),
        ("task.update", {"title": "no id"}, "invalid"),
        ("task.update", {"id": elsewhere["id"], "title": "guess"}, "not_found"),
        ("task.delete", {"id": 999999}, "not_found"),
        ("task.create", {"title": "x", "column_id": other_board["columns"][0]["id"]}, "invalid"),
    ]
    for index, (kind, data, code) in enumerate(cases):
        reply = await live.command(kind, data, ref=f"e{index}")
        assert (reply["type"], reply["code"]) == ("error", code), (kind, data, reply)
        assert reply["message"]
    watching_viewer = await join(server_url, board["id"], viewer)
    refused = await watching_viewer.command("task.create", {"title": "viewer write"}, "v1")
    assert (refused["type"], refused["code"]) == ("error", "forbidden")
    snapshot = (await http.get(f"/api/boards/{board['id']}", headers=owner.headers)).json()
    assert snapshot["seq"] == 1 and snapshot["tasks"] == []  # only member.added happened
    await live.close()
    await watching_viewer.close()


async def test_bad_frames_get_errors_and_the_socket_stays(
    http: httpx.AsyncClient, server_url: str, owner: Account
) -> None:
    board = await new_board(http, owner)
    live = await join(server_url, board["id"], owner)
    for frame in ("{oops", "[]", '{"type": "dance"}', b"\x00\x01binary"):
        await live.send(frame)
        reply = await live.recv_type("error")
        assert reply["code"] == "invalid"
    await live.send({"type": "ping"})
    assert (await live.recv_type("pong")) == {"type": "pong"}
    await live.close()


async def test_oversize_frame_closes_4413(
    http: httpx.AsyncClient, server_url: str, owner: Account
) -> None:
    board = await new_board(http, owner)
    live = await join(server_url, board["id"], owner)
    await live.send({"type": "ping", "pad": "x" * 65_536}, conforming=False)
    assert await live.close_code() == 4413
    fits = await join(server_url, board["id"], owner)
    await fits.send('{"type":"ping","ref":"' + "y" * (65_536 - 40) + '"}')
    assert (await fits.recv_type("error"))["code"] == "invalid"  # ref too long, but not too large
    await fits.close()


async def test_command_flood_is_refused_then_closed_4429(
    http: httpx.AsyncClient, server_url: str, owner: Account, settings: Settings
) -> None:
    board = await new_board(http, owner)
    live = await join(server_url, board["id"], owner)
    burst = settings.ws_command_burst
    for index in range(burst * 3):
        await live.send({"type": "ping", "ref": f"p{index}"})
    kinds = []
    code = None
    try:
        while True:
            kinds.append((await live.recv(5))["type"])
    except Exception:
        code = await live.close_code()
    assert kinds.count("pong") >= burst
    assert "error" in kinds
    assert code == 4429


async def test_authentication_close_codes(
    http: httpx.AsyncClient, server_url: str, owner: Account, settings: Settings
) -> None:
    board = await new_board(http, owner)
    now = datetime.now(UTC)
    expired = jwt.encode(
        {"sub": str(owner.id), "iat": now - timedelta(hours=2), "exp": now - timedelta(hours=1)},
        settings.secret_key,
        algorithm="HS256",
    )
    forged = jwt.encode(
        {"sub": str(owner.id), "iat": now, "exp": now + timedelta(hours=1)},
        "wrong-key" * 4,
        algorithm="HS256",
    )
    for token in (None, "", "garbage", expired, forged):
        live = await open_live(server_url, board["id"], token)
        assert await live.close_code() == 4401, token
    stranger = await register(http, "stranger")
    for board_id in (board["id"], 987654):
        live = await open_live(server_url, board_id, stranger.token)
        assert await live.close_code() == 4404
    live = await open_live(server_url, 987654, owner.token)
    assert await live.close_code() == 4404


async def test_removed_member_and_deleted_board_lose_their_sockets(
    http: httpx.AsyncClient, server_url: str, owner: Account
) -> None:
    board = await new_board(http, owner)
    editor = await register(http, "editor")
    await add_member(http, owner, board["id"], editor, "editor")
    editor_live = await join(server_url, board["id"], editor)
    owner_live = await join(server_url, board["id"], owner)
    removed = await http.delete(
        f"/api/boards/{board['id']}/members/{editor.id}", headers=owner.headers
    )
    assert removed.status_code == 204
    assert await editor_live.close_code() == 4404
    event = await owner_live.recv_type("event")
    assert event["name"] == "member.removed" and event["data"]["user_id"] == editor.id
    deleted = await http.delete(f"/api/boards/{board['id']}", headers=owner.headers)
    assert deleted.status_code == 204
    last = await owner_live.recv_type("event")
    assert last["name"] == "board.deleted" and last["data"]["id"] == board["id"]
    assert await owner_live.close_code() == 4410
    again = await open_live(server_url, board["id"], owner.token)
    assert await again.close_code() == 4404


async def test_many_writers_one_order(
    http: httpx.AsyncClient, server_url: str, owner: Account
) -> None:
    board = await new_board(http, owner)
    tabs = [await join(server_url, board["id"], owner) for _ in range(3)]
    await asyncio.gather(*(create_task(http, owner, board["id"], f"T{i}") for i in range(20)))
    for tab in tabs:
        seqs = [event["seq"] for event in await tab.events_until(20)]
        assert seqs == list(range(1, 21))
        await tab.close()


async def test_a_command_resent_with_the_same_ref_is_applied_once(
    http: httpx.AsyncClient, server_url: str, owner: Account
) -> None:
    board = await new_board(http, owner)
    first = await join(server_url, board["id"], owner)
    ack = await first.command("task.create", {"title": "exactly once"}, ref="retry-1")
    await first.close()  # as if the connection dropped before the client saw the ack
    second = await join(server_url, board["id"], owner, since=0)
    again = await second.command("task.create", {"title": "exactly once"}, ref="retry-1")
    assert again == ack
    other = await second.command("task.create", {"title": "a new ref"}, ref="retry-2")
    assert other["seq"] == ack["seq"] + 1
    tasks = (await http.get(f"/api/boards/{board['id']}/tasks", headers=owner.headers)).json()
    assert [task["title"] for task in tasks] == ["exactly once", "a new ref"]
    await second.close()


async def test_a_ref_used_again_for_another_command_is_that_command_not_a_replay(
    http: httpx.AsyncClient, server_url: str, owner: Account
) -> None:
    """A ref may be a plain correlation id: only the same command under it is a replay."""
    board = await new_board(http, owner)
    tab = await join(server_url, board["id"], owner)
    first = await tab.command("task.create", {"title": "one"}, ref="1")
    second = await tab.command("task.create", {"title": "two"}, ref="1")
    assert (second["type"], second["data"]["title"]) == ("ack", "two")
    deleted = await tab.command("task.delete", {"id": first["data"]["id"]}, ref="1")
    assert (deleted["type"], deleted["data"]["id"]) == ("ack", first["data"]["id"])
    assert await tab.command("task.create", {"title": "two"}, ref="1") == second
    tasks = (await http.get(f"/api/boards/{board['id']}/tasks", headers=owner.headers)).json()
    assert [task["title"] for task in tasks] == ["two"]
    await tab.close()


async def test_a_resent_edit_replays_its_ack_where_applying_again_would_fail_or_repeat(
    http: httpx.AsyncClient, server_url: str, owner: Account
) -> None:
    board = await new_board(http, owner)
    tab = await join(server_url, board["id"], owner)
    task = (await tab.command("task.create", {"title": "t"}, ref="make"))["data"]
    guarded = {"id": task["id"], "version": task["version"], "title": "guarded"}
    ack = await tab.command("task.update", guarded, ref="edit-1")
    # Applying it again would be a stale version: the first ack is the answer, not a conflict.
    assert await tab.command("task.update", guarded, ref="edit-1") == ack
    unguarded = {"id": task["id"], "description": "once"}
    ack = await tab.command("task.update", unguarded, ref="edit-2")
    # Applying it again would succeed: it is rolled back and answered with the first ack.
    assert await tab.command("task.update", unguarded, ref="edit-2") == ack
    current = (await http.get(f"/api/tasks/{task['id']}", headers=owner.headers)).json()
    assert current["version"] == task["version"] + 2
    # A failure that was never acked is not replayed as anything else.
    stale = await tab.command("task.update", guarded, ref="edit-3")
    assert (stale["type"], stale["code"]) == ("error", "conflict")
    await tab.close()


async def test_a_rebalance_reaches_every_socket_as_one_event_before_the_move(
    http: httpx.AsyncClient, server_url: str, owner: Account, settings: Settings
) -> None:
    board = await new_board(http, owner)
    first, crowded, mover = [await create_task(http, owner, board["id"], t) for t in "abc"]
    # A key at the cap right after `first` (as thousands of placements into that gap leave it):
    # the next key between them would be longer than the cap.
    long_key = "a0" + "0" * (ordering.MAX_KEY_LENGTH - 3) + "1"
    assert first["position"] < long_key < mover["position"]
    assert len(ordering.key_between(first["position"], long_key)) > ordering.MAX_KEY_LENGTH
    db = Database(settings.database_url)
    try:
        async with db.session() as tx:
            await tx.execute(update(Task).where(Task.id == crowded["id"]).values(position=long_key))
            await tx.commit()
    finally:
        await db.dispose()
    watcher = await join(server_url, board["id"], owner)
    actor = await join(server_url, board["id"], owner)

    ack = await actor.command("task.update", {"id": mover["id"], "after_id": first["id"]}, "m1")

    assert ack["type"] == "ack" and ack["seq"] == 5 and ack["data"]["version"] == 3
    rebalance, moved = await watcher.events_until(5)
    assert (rebalance["seq"], rebalance["name"]) == (4, "tasks.rebalanced")
    assert rebalance["data"]["board_id"] == board["id"]
    assert rebalance["data"]["column_id"] == first["column_id"]
    listed = [(t["id"], t["position"], t["version"]) for t in rebalance["data"]["tasks"]]
    assert listed == [(first["id"], "a0", 2), (crowded["id"], "a1", 2), (mover["id"], "a2", 2)]
    assert (moved["seq"], moved["name"], moved["data"]) == (5, "task.updated", ack["data"])
    snapshot = (await http.get(f"/api/boards/{board['id']}", headers=owner.headers)).json()
    assert [t["id"] for t in snapshot["tasks"]] == [first["id"], mover["id"], crowded["id"]]
    assert max(len(t["position"]) for t in snapshot["tasks"]) <= 3
    activity = await http.get(f"/api/boards/{board['id']}/activity", headers=owner.headers)
    verbs = [(e["seq"], e["verb"]) for e in activity.json()["items"][:2]]
    assert verbs == [(5, "task.moved"), (4, "tasks.rebalanced")]
    await watcher.close()
    await actor.close()


def awaited_frames(task: asyncio.Task[Any]) -> list[str]:
    """The qualified names of the coroutines a task is suspended in, outermost first."""
    names = []
    coroutine: Any = task.get_coro()
    while coroutine is not None and hasattr(coroutine, "cr_code"):
        names.append(coroutine.cr_code.co_qualname)
        coroutine = coroutine.cr_await
    return names


async def test_a_live_socket_waits_under_no_middleware_frame(
    app_and_url: tuple[FastAPI, str], owner_on_app: Account
) -> None:
    _, url = app_and_url
    async with httpx.AsyncClient(base_url=url) as http:
        board = await new_board(http, owner_on_app)
    live = await join(url, board["id"], owner_on_app)
    stacks = [awaited_frames(task) for task in asyncio.all_tasks()]
    socket_stacks = [names for names in stacks if "LiveBoardEndpoint._read" in names]
    assert len(socket_stacks) == 1, stacks
    middleware = {"FastAPI.__call__", "Starlette.__call__", "LiveBoardDispatch.__call__"}
    assert not middleware & set(socket_stacks[0]), socket_stacks[0]
    # Still a live socket behind uvicorn's proxy-headers middleware, as the app would be.
    assert socket_stacks[0][:2] == [
        "WebSocketsSansIOProtocol.run_asgi",
        "ProxyHeadersMiddleware.__call__",
    ]
    await live.close()
