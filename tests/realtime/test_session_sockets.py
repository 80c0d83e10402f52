"""Ended sessions close their live sockets (4401) on every replica; a socket follows its token's
session through in-band renewals, and a token of an ended session opens or renews nothing."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from devstack import RedisServer
from taskflow.config import Settings
from taskflow.main import create_app
from taskflow.realtime.connection import Connection
from taskflow.realtime.hub import Hub
from taskflow.web.session_cookie import REFRESH_COOKIE
from tests.conftest import TIMEOUT_UNIT, Account, make_settings, register
from tests.support.live import join, new_board, open_live
from tests.support.servers import running_server


async def sign_in(http: httpx.AsyncClient, account: Account) -> str:
    response = await http.post(
        "/api/auth/token", data={"username": account.username, "password": account.password}
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


async def test_logout_all_closes_every_socket_of_the_user_within_a_second(
    http: httpx.AsyncClient, server_url: str, owner: Account
) -> None:
    board = await new_board(http, owner)
    second = Account(owner.id, owner.username, owner.password, await sign_in(http, owner))
    other = await register(http, "bystander")
    await http.post(
        f"/api/boards/{board['id']}/members",
        json={"username": other.username, "role": "viewer"},
        headers=owner.headers,
    )
    mine = [await join(server_url, board["id"], owner), await join(server_url, board["id"], second)]
    theirs = await join(server_url, board["id"], other)
    started = time.monotonic()
    assert (await http.post("/api/auth/logout-all", headers=owner.headers)).status_code == 204
    for live in mine:
        assert await live.close_code() == 4401
    assert time.monotonic() - started < 1.0 * TIMEOUT_UNIT
    await theirs.send({"type": "ping"})
    assert (await theirs.recv_type("pong"))["type"] == "pong"
    await theirs.close()


async def test_logout_closes_the_sockets_of_this_session_only(
    http: httpx.AsyncClient, server_url: str, owner: Account
) -> None:
    board = await new_board(http, owner)
    here = http.cookies[REFRESH_COOKIE]
    http.cookies.clear()
    elsewhere = Account(owner.id, owner.username, owner.password, await sign_in(http, owner))
    http.cookies.clear()
    this_one = await join(server_url, board["id"], owner)
    that_one = await join(server_url, board["id"], elsewhere)
    response = await http.post("/api/auth/logout", headers={"Cookie": f"{REFRESH_COOKIE}={here}"})
    assert response.status_code == 204
    assert await this_one.close_code() == 4401
    await that_one.send({"type": "ping"})
    assert (await that_one.recv_type("pong"))["type"] == "pong"
    await that_one.close()


async def test_a_token_of_an_ended_session_opens_and_renews_nothing(
    http: httpx.AsyncClient, server_url: str, owner: Account
) -> None:
    board = await new_board(http, owner)
    http.cookies.clear()
    ended = await sign_in(http, owner)
    http.cookies.clear()
    live = await join(server_url, board["id"], owner)
    sessions = (await http.get("/api/auth/sessions", headers=owner.headers)).json()
    other_id = next(row["id"] for row in sessions if not row["current"])
    revoked = await http.delete(f"/api/auth/sessions/{other_id}", headers=owner.headers)
    assert revoked.status_code == 204
    refused = await open_live(server_url, board["id"], ended)
    assert await refused.close_code() == 4401
    await live.send({"type": "auth", "ref": "old", "token": ended})
    reply = await live.recv_type("error")
    assert reply["ref"] == "old" and reply["code"] == "unauthorized"
    await live.close()


async def test_a_socket_renewed_with_a_refreshed_token_still_closes_with_its_session(
    http: httpx.AsyncClient, server_url: str, owner: Account
) -> None:
    board = await new_board(http, owner)
    live = await join(server_url, board["id"], owner)
    refreshed = await http.post("/api/auth/refresh")
    assert refreshed.status_code == 200
    await live.send({"type": "auth", "ref": "r", "token": refreshed.json()["access_token"]})
    assert (await live.recv_type("ack"))["ref"] == "r"
    stolen_before_rotation = http.cookies[REFRESH_COOKIE]
    assert (await http.post("/api/auth/refresh")).status_code == 200
    # The credential comes back after it was rotated away: the family ends, sockets included.
    http.cookies.clear()
    replay = await http.post(
        "/api/auth/refresh", headers={"Cookie": f"{REFRESH_COOKIE}={stolen_before_rotation}"}
    )
    assert replay.status_code == 401
    assert await live.close_code() == 4401


# Two replicas on one database and one Redis: the ended session reaches the other's sockets.


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    with RedisServer() as server:
        yield server


@pytest.fixture
async def replicas(
    settings: Settings, redis_server: RedisServer, tmp_path: Path
) -> AsyncIterator[list[str]]:
    shared = make_settings(settings.database_url, redis_url=redis_server.url)
    async with (
        running_server(create_app(shared)) as first,
        running_server(create_app(shared)) as second,
    ):
        yield [first, second]


async def test_logout_all_on_one_replica_closes_sockets_on_the_other(
    replicas: list[str],
) -> None:
    async with (
        httpx.AsyncClient(base_url=replicas[0], timeout=30) as one,
        httpx.AsyncClient(base_url=replicas[1], timeout=30) as two,
    ):
        owner = await register(one, "roamer")
        board = await new_board(one, owner)
        second = Account(owner.id, owner.username, owner.password, await sign_in(two, owner))
        far = [
            await join(replicas[1], board["id"], owner),
            await join(replicas[1], board["id"], second),
        ]
        near = await join(replicas[0], board["id"], owner)
        started = time.monotonic()
        assert (await one.post("/api/auth/logout-all", headers=owner.headers)).status_code == 204
        for live in [*far, near]:
            assert await live.close_code() == 4401
        assert time.monotonic() - started < 1.0 * TIMEOUT_UNIT


async def test_a_session_ending_between_the_checks_and_the_join_still_closes_the_socket(
    app_and_url: tuple[FastAPI, str], owner_on_app: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The session is alive when the socket's token is checked and ends (its notice delivered)
    before the socket is in the room: the hub remembers recently ended sessions."""
    app, url = app_and_url
    hub: Hub = app.state.resources.hub
    async with httpx.AsyncClient(base_url=url) as http:
        board = await new_board(http, owner_on_app)
        join_room: Callable[[Connection], Awaitable[int]] = hub.join

        async def log_out_then_join(connection: Connection) -> int:
            ended = await http.post("/api/auth/logout-all", headers=owner_on_app.headers)
            assert ended.status_code == 204
            return await join_room(connection)

        monkeypatch.setattr(hub, "join", log_out_then_join)
        live = await open_live(url, board["id"], owner_on_app.token)
        assert await live.close_code() == 4401


@pytest.fixture
async def short_tokens(settings: Settings) -> AsyncIterator[str]:
    """A server whose access tokens last three seconds."""
    short = make_settings(settings.database_url, access_token_expire_minutes=3 / 60)
    async with running_server(create_app(short)) as url:
        yield url


async def test_refreshed_tokens_keep_a_socket_past_expiry_and_it_closes_4401_once_they_stop(
    short_tokens: str,
) -> None:
    async with httpx.AsyncClient(base_url=short_tokens, timeout=30) as http:
        owner = await register(http, "sleeper")
        board = await new_board(http, owner, "expiring")
        live = await join(short_tokens, board["id"], owner)
        opened = time.monotonic()
        while time.monotonic() - opened < 3.5:  # past the first token's expiry, renewed in band
            await asyncio.sleep(1.0)
            refreshed = await http.post("/api/auth/refresh")
            token = refreshed.json()["access_token"]
            await live.send({"type": "auth", "ref": "renew", "token": token})
            assert (await live.recv_type("ack"))["ref"] == "renew"
        headers = {"Authorization": f"Bearer {token}"}
        created = await http.post(
            f"/api/boards/{board['id']}/tasks", json={"title": "still live"}, headers=headers
        )
        assert created.status_code == 201
        event = await live.recv_type("event")
        assert event["seq"] == 1 and event["data"]["title"] == "still live"
        started = time.monotonic()
        assert await live.close_code() == 4401  # no renewal any more: closed at expiry
        assert time.monotonic() - started < 3.0 * TIMEOUT_UNIT
