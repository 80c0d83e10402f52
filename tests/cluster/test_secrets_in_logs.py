"""No log of the stack (Nginx access and error, replicas, Redis, Mongo) holds a token or password.

Collected last among the cluster tests (see conftest), so it also covers what the faults before
it made the stack write, e.g. Nginx failing over WebSocket handshakes that carry a token.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid

import httpx
import pytest
from devstack.watcher import open_socket
from websockets.exceptions import ConnectionClosed

from devstack import Stack
from taskflow.web.session_cookie import REFRESH_COOKIE
from tests.cluster.cluster import ACCOUNTS, new_account
from tests.conftest import TIMEOUT_UNIT, Account
from tests.support.live import new_board

pytestmark = pytest.mark.cluster


async def make_traffic(
    stack: Stack, front: httpx.AsyncClient, direct: list[httpx.AsyncClient]
) -> tuple[int, list[str]]:
    """Every way a secret travels, through Nginx and straight to a replica; the secrets refused."""
    owner = await new_account(front, "logs")
    board = int((await new_board(front, owner, "logs"))["id"])
    wrong_password = f"wrong-{uuid.uuid4().hex}"
    short_password = f"Q{uuid.uuid4().hex[:6]}"  # under the 8 characters allowed
    forged_token = f"forged.{uuid.uuid4().hex}.{uuid.uuid4().hex}"
    session_secrets: list[str] = []
    for http in (front, *direct):
        me = await http.get("/api/users/me", headers=owner.headers)
        assert me.status_code == 200, me.text
        # A token where it does not belong: in the query string of an API call.
        await http.get("/api/users/me", params={"token": owner.token, "access_token": owner.token})
        refused = await http.post(
            "/api/auth/token", data={"username": owner.username, "password": wrong_password}
        )
        assert refused.status_code == 401, refused.text
        invalid = await http.post(
            "/api/users",
            json={
                "username": f"v{uuid.uuid4().hex[:8]}",
                "email": "x@example.com",
                "password": short_password,
            },
        )
        assert invalid.status_code == 422 and short_password not in invalid.text, invalid.text
        bad = await http.get("/api/users/me", headers={"Authorization": f"Bearer {forged_token}"})
        assert bad.status_code == 401, bad.text
        session_secrets.extend(await session_traffic(http, owner))
    for url in (stack.url, *stack.replica_urls):
        for token in (owner.token, forged_token):
            socket = await open_socket(url, board, token, since=0)
            with contextlib.suppress(ConnectionClosed):  # the forged one is closed with 4401
                await asyncio.wait_for(socket.recv(), 10 * TIMEOUT_UNIT)
            await socket.close()
    return board, [wrong_password, short_password, forged_token, *session_secrets]


async def session_traffic(http: httpx.AsyncClient, owner: Account) -> list[str]:
    """Sign in, refresh, replay the first refresh credential, sign out: every secret involved."""
    http.cookies.clear()
    signed_in = await http.post(
        "/api/auth/token", data={"username": owner.username, "password": owner.password}
    )
    assert signed_in.status_code == 200, signed_in.text
    first = signed_in.cookies[REFRESH_COOKIE]
    http.cookies.clear()
    refreshed = await http.post(
        "/api/auth/refresh", headers={"Cookie": f"{REFRESH_COOKIE}={first}"}
    )
    assert refreshed.status_code == 200, refreshed.text
    second = refreshed.cookies[REFRESH_COOKIE]
    http.cookies.clear()
    replayed = await http.post("/api/auth/refresh", headers={"Cookie": f"{REFRESH_COOKIE}={first}"})
    assert replayed.status_code == 401, replayed.text
    http.cookies.clear()
    ended = await http.post("/api/auth/logout", headers={"Cookie": f"{REFRESH_COOKIE}={second}"})
    assert ended.status_code == 204
    http.cookies.clear()
    return [
        first,
        second,
        signed_in.json()["access_token"],
        refreshed.json()["access_token"],
    ]


async def test_no_log_holds_a_token_or_a_password(
    stack: Stack, front: httpx.AsyncClient, direct: list[httpx.AsyncClient]
) -> None:
    board, refused_secrets = await make_traffic(stack, front, direct)
    # Nginx writes a WebSocket's access line when the socket ends: wait for ours.
    path = f"/ws/boards/{board} "
    for _ in range(int(100 * TIMEOUT_UNIT)):
        if stack.logs()["nginx-access"].count(path) >= 2:
            break
        await asyncio.sleep(0.1)
    logs = stack.logs()
    assert logs["nginx-access"].count(path) >= 2, "Nginx logged no line for the WebSocket traffic"
    assert {"nginx-access", "nginx-error", "replica-1", "replica-2"} <= logs.keys()

    secrets = {
        f"{kind} of {account.username}": secret
        for account in ACCOUNTS
        for kind, secret in (
            ("password", account.password),
            ("token", account.token),
            ("token signature", account.token.rsplit(".", 1)[1]),
        )
    }
    secrets.update(
        {f"refused secret {index}": secret for index, secret in enumerate(refused_secrets)}
    )
    leaks = [
        f"{what} in {name}"
        for name, text in logs.items()
        for what, secret in secrets.items()
        if secret in text
    ]
    assert not leaks, f"{len(leaks)} secrets in the logs: {leaks[:10]}"
