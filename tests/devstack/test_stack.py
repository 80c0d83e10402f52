"""The whole native topology (PostgreSQL, Redis, Mongo wire server, two replicas, Nginx) from
devstack.Stack, checked through the front door the way a client sees it."""

from __future__ import annotations

import contextlib
import json
import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from devstack.stack import Stack, StackOptions
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

pytestmark = pytest.mark.cluster


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    with Stack(StackOptions(own_mongo=True)) as running:
        yield running


@pytest.fixture(scope="module")
def account(stack: Stack) -> dict[str, str]:
    username = f"stack_{uuid.uuid4().hex[:8]}"
    password = f"pw-{uuid.uuid4().hex}"
    created = httpx.post(
        f"{stack.url}/api/users",
        json={"username": username, "email": f"{username}@example.com", "password": password},
    )
    assert created.status_code == 201, created.text
    token = httpx.post(
        f"{stack.url}/api/auth/token", data={"username": username, "password": password}
    )
    assert token.status_code == 200, token.text
    return {"username": username, "password": password, "token": token.json()["access_token"]}


def upstreams_in_access_log(stack: Stack, path: str) -> set[str]:
    lines = stack.logs()["nginx-access"].splitlines()
    return {
        m[1]
        for line in lines
        if f" {path} " in line
        for m in [re.search(r"upstream=(\S+)", line)]
        if m
    }


def test_operations_answer_through_nginx_and_on_each_replica(stack: Stack) -> None:
    for url in (stack.url, *stack.replica_urls):
        assert httpx.get(f"{url}/healthz").status_code == 200
        ready = httpx.get(f"{url}/readyz")
        assert ready.status_code == 200, ready.text
    assert httpx.get(f"{stack.url}/openapi.json").json()["paths"]
    assert httpx.get(f"{stack.url}/metrics").status_code == 200


def test_the_client_is_served_by_nginx(stack: Stack) -> None:
    index = httpx.get(f"{stack.url}/")
    assert index.status_code == 200 and "text/html" in index.headers["content-type"]
    assert index.text == (stack.options.client_dir / "index.html").read_text()
    assert upstreams_in_access_log(stack, "/index.html") == {"-"}, "no replica involved"


def test_accounts_work_through_nginx_on_both_replicas(
    stack: Stack, account: dict[str, str]
) -> None:
    headers = {"Authorization": f"Bearer {account['token']}"}
    for _ in range(6):
        me = httpx.get(f"{stack.url}/api/users/me", headers=headers)
        assert me.status_code == 200 and me.json()["username"] == account["username"]
    replica_addresses = {f"127.0.0.1:{replica.port}" for replica in stack.replicas}
    assert upstreams_in_access_log(stack, "/api/users/me") == replica_addresses


def test_a_killed_replica_is_skipped_and_comes_back(stack: Stack, account: dict[str, str]) -> None:
    headers = {"Authorization": f"Bearer {account['token']}"}
    stack.kill_replica(0)
    try:
        for _ in range(6):
            assert httpx.get(f"{stack.url}/api/users/me", headers=headers).status_code == 200
    finally:
        stack.start_replica(0)
        stack.reload_nginx()
    assert httpx.get(f"{stack.replica_urls[0]}/healthz").status_code == 200


def test_readiness_follows_redis(stack: Stack) -> None:
    stack.stop_redis()
    try:
        down = httpx.get(f"{stack.replica_urls[0]}/readyz", timeout=10)
        assert down.status_code == 503 and "redis" in down.text
    finally:
        stack.start_redis()
    assert httpx.get(f"{stack.replica_urls[0]}/healthz").status_code == 200


def next_event(ws: ClientConnection) -> dict[str, Any]:
    """The next `event` frame, skipping presence frames (bounded by the recv timeout)."""
    for _ in range(20):
        frame = json.loads(ws.recv(timeout=10))
        if frame["type"] == "event":
            return dict(frame)
    raise AssertionError("no event frame among 20 frames")


def test_live_board_events_reach_subscribers_on_every_replica(
    stack: Stack, account: dict[str, str]
) -> None:
    headers = {"Authorization": f"Bearer {account['token']}"}
    board = httpx.post(f"{stack.url}/api/boards", json={"name": "stack"}, headers=headers)
    assert board.status_code == 201, board.text
    board_id = board.json()["id"]
    query = f"/ws/boards/{board_id}?token={account['token']}"
    # One subscriber through Nginx (pinned by board id) and one straight on each replica.
    urls = [stack.ws_url] + [replica.ws_url for replica in stack.replicas]
    with contextlib.ExitStack() as opened:
        sockets = [opened.enter_context(connect(f"{url}{query}", open_timeout=10)) for url in urls]
        for ws in sockets:
            hello = json.loads(ws.recv(timeout=10))
            assert (hello["type"], hello["board_id"], hello["seq"]) == ("hello", board_id, 0)
        # A write on each replica: every subscriber sees both, in order (Redis fan-out).
        for number, replica_url in enumerate(stack.replica_urls, start=1):
            created = httpx.post(
                f"{replica_url}/api/boards/{board_id}/tasks",
                json={"title": f"task {number}"},
                headers=headers,
            )
            assert created.status_code == 201, created.text
        for ws in sockets:
            events = [next_event(ws) for _ in stack.replicas]
            assert [e["seq"] for e in events] == [1, 2]
            assert [e["data"]["title"] for e in events] == ["task 1", "task 2"]
    upstreams = upstreams_in_access_log(stack, f"/ws/boards/{board_id}")
    assert len(upstreams) == 1 and upstreams <= {f"127.0.0.1:{r.port}" for r in stack.replicas}


def first_hello(ws: ClientConnection) -> dict[str, Any]:
    hello = json.loads(ws.recv(timeout=10))
    assert hello["type"] == "hello", hello
    return dict(hello)


def wait_closed(ws: ClientConnection) -> ConnectionClosed:
    """Read (presence frames may still come) until the socket closes; bounded by recv timeouts."""
    for _ in range(20):
        try:
            ws.recv(timeout=15)
        except ConnectionClosed as closed:
            return closed
    raise AssertionError("the socket stayed open")


@pytest.mark.parametrize(
    ("fault", "close_code"),
    [("stop_replica", 1012), ("kill_replica", 1006)],
    ids=["sigterm", "sigkill"],
)
def test_a_board_survives_losing_its_replica(
    stack: Stack, account: dict[str, str], fault: str, close_code: int
) -> None:
    headers = {"Authorization": f"Bearer {account['token']}"}
    board_id = httpx.post(f"{stack.url}/api/boards", json={"name": fault}, headers=headers).json()[
        "id"
    ]
    pinned = stack.replica_for_board(board_id, account["token"])
    query = f"/ws/boards/{board_id}?token={account['token']}"
    try:
        with connect(f"{stack.ws_url}{query}", open_timeout=10) as ws:
            first_hello(ws)
            getattr(stack, fault)(pinned)
            closed = wait_closed(ws)
            # Nginx relays the replica's close frame as it is (1012: "reconnect with since").
            code = closed.rcvd.code if closed.rcvd is not None else 1006
            assert code == close_code
        # Reconnecting through the same address reaches the surviving replica at once.
        with connect(f"{stack.ws_url}{query}&since=0", open_timeout=10) as ws:
            assert first_hello(ws)["board_id"] == board_id
        assert stack.replica_for_board(board_id, account["token"]) != pinned
    finally:
        stack.start_replica(pinned)
        stack.reload_nginx()  # forget the failure now, not after fail_timeout


def test_no_log_holds_a_password_or_token(stack: Stack, account: dict[str, str]) -> None:
    for name, text in stack.logs().items():
        assert account["password"] not in text, name
        assert account["token"] not in text, name
