"""Sessions on the two-replica stack: logout-all reaches the live sockets on both replicas."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from devstack.watcher import open_socket
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from devstack import Stack
from tests.cluster.cluster import new_account
from tests.conftest import TIMEOUT_UNIT, Account
from tests.support.live import new_board

pytestmark = pytest.mark.cluster


async def closed_at(socket: ClientConnection) -> tuple[int | None, float]:
    """The close code the server sent, and when it arrived (monotonic)."""
    try:
        while True:
            await asyncio.wait_for(socket.recv(), 10 * TIMEOUT_UNIT)
    except ConnectionClosed as closed:
        return (closed.rcvd.code if closed.rcvd else None), time.monotonic()


async def sign_in(http: httpx.AsyncClient, account: Account) -> str:
    response = await http.post(
        "/api/auth/token", data={"username": account.username, "password": account.password}
    )
    assert response.status_code == 200, response.text
    http.cookies.clear()
    return str(response.json()["access_token"])


async def test_logout_all_closes_live_sockets_on_both_replicas_within_a_second(
    stack: Stack, front: httpx.AsyncClient
) -> None:
    owner = await new_account(front, "sessions")
    board = int((await new_board(front, owner, "sessions"))["id"])
    # Two sessions (two devices), each with sockets on both replicas and one through Nginx.
    tokens = [owner.token, await sign_in(front, owner)]
    sockets = []
    for token in tokens:
        for url in (*stack.replica_urls, stack.url):
            socket = await open_socket(url, board, token, since=None)
            assert '"hello"' in str(await asyncio.wait_for(socket.recv(), 10 * TIMEOUT_UNIT))
            sockets.append(socket)
    watchers = [asyncio.create_task(closed_at(socket)) for socket in sockets]
    started = time.monotonic()
    response = await front.post("/api/auth/logout-all", headers=owner.headers)
    assert response.status_code == 204
    results = await asyncio.gather(*watchers)
    delays = [round((at - started) * 1000) for _, at in results]
    print(f"logout-all to 4401, ms per socket (replica 1, replica 2, Nginx; x2 sessions): {delays}")
    assert [code for code, _ in results] == [4401] * len(sockets)
    assert max(delays) < 1000 * TIMEOUT_UNIT, delays
    for url in stack.replica_urls:  # and the tokens open nothing any more, anywhere
        again = await open_socket(url, board, tokens[1], since=None)
        assert (await closed_at(again))[0] == 4401
