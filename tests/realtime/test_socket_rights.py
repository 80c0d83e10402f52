"""A live socket keeps no right it has lost: it closes when its token expires (unless renewed in
band), it cannot slip past a member removal that races its connect, its `since` replay is
bounded, and REST writes have a per-user rate like socket commands."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI

from taskflow.config import Settings
from taskflow.main import create_app
from taskflow.realtime.connection import Connection
from taskflow.realtime.hub import Hub
from taskflow.realtime.token_expiry import TokenExpiry
from taskflow.services import members
from tests.conftest import TIMEOUT_UNIT, Account, make_settings, register
from tests.support.live import add_member, create_task, join, new_board, open_live
from tests.support.servers import running_server


def short_token(settings: Settings, account: Account, seconds: float) -> str:
    now = datetime.now(UTC)
    claims = {"sub": str(account.id), "iat": now, "exp": now + timedelta(seconds=seconds)}
    return jwt.encode(claims, settings.secret_key, algorithm="HS256")


async def open_with(url: str, board_id: int, token: str) -> Any:
    live = await open_live(url, board_id, token)
    assert (await live.recv())["type"] == "hello"
    return live


async def test_a_socket_closes_with_4401_when_its_token_expires(
    settings: Settings, app_and_url: tuple[FastAPI, str], owner_on_app: Account
) -> None:
    _, url = app_and_url
    async with httpx.AsyncClient(base_url=url) as http:
        board = await new_board(http, owner_on_app)
    live = await open_with(url, board["id"], short_token(settings, owner_on_app, 2))
    started = time.monotonic()
    assert await live.close_code(timeout=10) == 4401
    assert time.monotonic() - started < 4 * TIMEOUT_UNIT


async def test_a_fresh_token_in_band_keeps_the_socket_and_every_event(
    settings: Settings, app_and_url: tuple[FastAPI, str], owner_on_app: Account
) -> None:
    _, url = app_and_url
    async with httpx.AsyncClient(base_url=url) as http:
        board = await new_board(http, owner_on_app)
        live = await open_with(url, board["id"], short_token(settings, owner_on_app, 2))
        await live.send({"type": "auth", "ref": "renew", "token": owner_on_app.token})
        ack = await live.recv_type("ack")
        assert ack["ref"] == "renew" and ack["seq"] is None
        assert datetime.fromisoformat(ack["data"]["expires_at"]) > datetime.now(UTC) + timedelta(
            minutes=30
        )
        await asyncio.sleep(3)  # past the first token's expiry
        task = await create_task(http, owner_on_app, board["id"], "after the old expiry")
        event = await live.recv_type("event")
        assert event["name"] == "task.created" and event["data"]["id"] == task["id"]
        reply = await live.command("task.create", {"title": "by socket"}, ref="c1")
        assert reply["type"] == "ack", reply
    await live.close()


async def test_a_bad_or_foreign_token_in_band_is_refused_and_changes_nothing(
    settings: Settings, app_and_url: tuple[FastAPI, str], owner_on_app: Account
) -> None:
    _, url = app_and_url
    async with httpx.AsyncClient(base_url=url) as http:
        board = await new_board(http, owner_on_app)
        other = await register(http, "mallory")
    live = await open_with(url, board["id"], short_token(settings, owner_on_app, 2))
    for ref, token in (("garbage", "not.a.token"), ("foreign", other.token), ("empty", "")):
        # An empty token is not an `auth` frame by /asyncapi.json either: sent on purpose.
        await live.send({"type": "auth", "ref": ref, "token": token}, conforming=bool(token))
        reply = await live.recv_type("error")
        assert reply["ref"] == ref and reply["code"] in ("unauthorized", "invalid"), reply
    assert await live.close_code(timeout=10) == 4401  # the original expiry still holds


async def test_a_command_on_an_expired_token_is_not_applied(
    settings: Settings,
    app_and_url: tuple[FastAPI, str],
    owner_on_app: Account,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A timer that has not fired yet (a busy loop): the command must still not run.
    def move_without_timer(self: TokenExpiry, expires_at: float) -> None:
        self.expires_at = expires_at

    monkeypatch.setattr(TokenExpiry, "move", move_without_timer)
    _, url = app_and_url
    async with httpx.AsyncClient(base_url=url) as http:
        board = await new_board(http, owner_on_app)
        live = await open_with(url, board["id"], short_token(settings, owner_on_app, 1))
        await asyncio.sleep(1.5)
        reply = await live.command("task.create", {"title": "too late"}, ref="late")
        assert reply["type"] == "error" and reply["code"] == "unauthorized", reply
        assert await live.close_code() == 4401
        tasks = await http.get(f"/api/boards/{board['id']}/tasks", headers=owner_on_app.headers)
        assert tasks.json() == []


async def test_a_removal_racing_the_connect_still_closes_the_socket(
    app_and_url: tuple[FastAPI, str], owner_on_app: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The removal commits after the membership check and before the socket joins the room:
    its event is absorbed into the hello's seq, so only a check after the join can see it."""
    app, url = app_and_url
    hub: Hub = app.state.resources.hub
    async with httpx.AsyncClient(base_url=url) as http:
        board = await new_board(http, owner_on_app)
        editor = await register(http, "racer")
        await add_member(http, owner_on_app, board["id"], editor, "editor")
    join_room: Callable[[Connection], Awaitable[int]] = hub.join

    async def remove_then_join(connection: Connection) -> int:
        async with app.state.resources.db.session() as tx:
            owner = await tx.get(members.User, owner_on_app.id)
            assert owner is not None
            _, events = await members.remove_member(
                tx=tx, actor=owner, board_id=board["id"], user_id=editor.id
            )
            await app.state.resources.committer(tx, *events)
        return await join_room(connection)

    monkeypatch.setattr(hub, "join", remove_then_join)
    live = await open_live(url, board["id"], editor.token)
    assert await live.close_code(timeout=10) == 4404
    assert hub.sockets_of(editor.id) == 0


async def test_a_replay_past_its_bounds_gets_resync(
    app_and_url: tuple[FastAPI, str], owner_on_app: Account
) -> None:
    app, url = app_and_url
    async with httpx.AsyncClient(base_url=url) as http:
        board = await new_board(http, owner_on_app)
        for index in range(6):
            await create_task(http, owner_on_app, board["id"], f"t{index}", description="d" * 2_000)
    live = await join(url, board["id"], owner_on_app)
    head = live.frames[0]["seq"]
    await live.close()
    assert head >= 6
    event_log = app.state.resources.event_log

    async def opening(since: int) -> list[str]:
        socket = await open_live(url, board["id"], owner_on_app.token, since=since)
        frames = [await socket.recv()]
        while len(frames) < 1 + head - since:
            frames.append(await socket.recv())
            if frames[-1]["type"] == "resync":
                break
        await socket.close()
        return [frame["type"] for frame in frames]

    event_log.max_events = 3
    assert await opening(0) == ["hello", "resync"], "more events than a replay may hold"
    assert await opening(head - 3) == ["hello", "event", "event", "event"]
    event_log.max_events = 1_000
    event_log.max_bytes = 4_000  # two of the 2 KB task events
    assert await opening(head - 3) == ["hello", "resync"], "more bytes than a replay may hold"
    assert await opening(head - 1) == ["hello", "event"]


async def test_rest_writes_have_a_per_user_rate(database_url: str) -> None:
    app = create_app(make_settings(database_url, rest_writes_per_second=0.5, rest_write_burst=3))
    async with running_server(app) as url, httpx.AsyncClient(base_url=url) as http:
        owner = await register(http, "writer")
        other = await register(http, "bystander")
        board = await new_board(http, owner)  # one write
        created = [
            await http.post(
                f"/api/boards/{board['id']}/tasks", json={"title": f"t{i}"}, headers=owner.headers
            )
            for i in range(4)
        ]
        assert [r.status_code for r in created] == [201, 201, 429, 429]
        assert created[2].json()["detail"]
        tasks = await http.get(f"/api/boards/{board['id']}/tasks", headers=owner.headers)
        assert tasks.status_code == 200 and len(tasks.json()) == 2, "reads are not limited"
        assert (
            await http.post("/api/boards", json={"name": "x"}, headers=other.headers)
        ).status_code == 201
