"""Limits hold: request bodies, frame sizes, command rates and sockets per user.

tests/realtime/test_live_board.py covers a frame just over 64 KiB (4413) and a command flood
(4429) on one socket; here the exact frame boundary, frames past 1 MiB, a flood that leaves
the user's other socket alone, WS_CONNECTIONS_PER_USER (1013, README), and huge bodies.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator

import httpx
import psutil
import pytest
from websockets.exceptions import ConnectionClosed

from devstack import Replica, Stack
from tests.conftest import TIMEOUT_UNIT, Account, register
from tests.reliability.conftest import Crew
from tests.support.databases import SqliteTemplate
from tests.support.live import join, new_board, open_live

PER_USER = 3
FRAME_LIMIT = 65_536


@pytest.fixture(scope="module")
def limited_replica(
    sqlite_template: SqliteTemplate, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Replica]:
    """`taskflow serve` on SQLite with WS_CONNECTIONS_PER_USER=3 (and every other default)."""
    workdir = tmp_path_factory.mktemp("limits")
    env = {
        "DATABASE_URL": sqlite_template.fresh_copy(workdir),
        "ENVIRONMENT": "test",
        "REDIS_URL": "",
        "MONGODB_URI": "",
        "WS_CONNECTIONS_PER_USER": str(PER_USER),
    }
    replica = Replica(env=env, workdir=workdir / "replica", name="limited")
    replica.start(timeout=30 * TIMEOUT_UNIT)
    yield replica
    replica.stop()


@pytest.fixture
async def user(limited_replica: Replica) -> tuple[Account, int]:
    async with httpx.AsyncClient(base_url=limited_replica.url, timeout=60) as http:
        who = await register(http)
        return who, (await new_board(http, who))["id"]


def padded_ping(size: int) -> str:
    """A ping frame of exactly `size` bytes (its ref is too long, so it draws an error)."""
    frame = '{"type":"ping","ref":"' + "x" * size + '"}'
    return frame[: size - 2] + '"}'


async def test_frames_up_to_64_kib_are_read_bigger_ones_close_4413_then_1009(
    limited_replica: Replica, user: tuple[Account, int]
) -> None:
    who, board = user
    live = await join(limited_replica.url, board, who)
    try:
        await live.send(padded_ping(FRAME_LIMIT))
        assert (await live.recv_type("error"))["code"] == "invalid"
        await live.send({"type": "ping"})
        assert (await live.recv_type("pong"))["type"] == "pong"
        await live.send(padded_ping(FRAME_LIMIT + 1))
        assert await live.close_code() == 4413
    finally:
        await live.close()
    huge = await join(limited_replica.url, board, who)
    try:
        await huge.send(padded_ping((1 << 20) + 1))
        assert await huge.close_code() == 1009
    finally:
        await huge.close()


async def test_a_flooding_socket_is_throttled_alone_and_recovers(
    limited_replica: Replica, user: tuple[Account, int]
) -> None:
    who, board = user
    flood, calm = await join(limited_replica.url, board, who), await join(limited_replica.url, board, who)  # fmt: skip
    try:
        for index in range(45):  # the burst is 40
            await flood.send({"type": "ping", "ref": f"f{index}"})
        replies = [(await flood.recv())["type"] for _ in range(45)]
        assert replies.count("pong") == 40 and replies.count("error") == 5, replies
        ack = await calm.command("task.create", {"title": "unaffected"}, "calm-1")
        assert ack["type"] == "ack", "the user's other socket has a budget of its own"
        await asyncio.sleep(0.5)  # 20 per second refill
        await flood.send({"type": "ping", "ref": "again"})
        assert (await flood.recv_type("pong"))["type"] == "pong"
    finally:
        await flood.close()
        await calm.close()


async def test_sockets_per_user_are_capped_with_1013(
    limited_replica: Replica, user: tuple[Account, int]
) -> None:
    who, board = user
    async with httpx.AsyncClient(base_url=limited_replica.url, timeout=60) as http:
        other = await register(http)
        other_board = (await new_board(http, other))["id"]
        second_board = (await new_board(http, who))["id"]
    opened = [await join(limited_replica.url, (board, second_board)[i % 2], who) for i in range(PER_USER)]  # fmt: skip
    try:
        extra = await open_live(limited_replica.url, board, who.token)
        assert await extra.close_code() == 1013
        await extra.close()
        someone_else = await join(limited_replica.url, other_board, other)
        await someone_else.close()
        await opened.pop().close()
        for _ in range(50):  # the server notices the close a moment later
            again = await open_live(limited_replica.url, board, who.token)
            try:
                assert (await again.recv())["type"] == "hello"
            except ConnectionClosed:
                await asyncio.sleep(0.05)
                continue
            opened.append(again)
            break
        else:
            raise AssertionError("a socket closed by the user did not free its place")
    finally:
        for live in opened:
            await live.close()


async def test_huge_bodies_are_refused_not_500(
    limited_replica: Replica, user: tuple[Account, int]
) -> None:
    who, board = user
    size = 64 * 2**20
    body = json.dumps({"title": "x" * size}).encode()
    process = psutil.Process(limited_replica.pid)
    before = process.memory_info().rss
    async with httpx.AsyncClient(base_url=limited_replica.url, timeout=120) as http:
        started = time.monotonic()
        response = await http.post(
            f"/api/boards/{board}/tasks",
            content=body,
            headers={**who.headers, "Content-Type": "application/json"},
        )
        took = time.monotonic() - started
    peak = process.memory_info().rss
    assert response.status_code in (413, 422), response.status_code
    print(
        f"a {size >> 20} MiB body straight to a replica: {response.status_code} after "
        f"{took:.1f} s; replica RSS {before >> 20} -> {peak >> 20} MiB (no body limit below Nginx)"
    )


@pytest.mark.cluster
async def test_nginx_refuses_bodies_over_1_mib_with_413(
    stack: Stack, front: httpx.AsyncClient, crew: Crew
) -> None:
    body = json.dumps({"title": "x" * (2 * 2**20)})
    response = await front.post(
        f"/api/boards/{crew.board_id}/tasks",
        content=body,
        headers={**crew.owner.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 413
