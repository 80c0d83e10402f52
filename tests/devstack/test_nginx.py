"""Nginx run natively from our template: static client, balancing, board pinning, failover, logs."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from devstack.nginx import NginxServer
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.devstack.upstreams import EchoUpstream

TOKEN = "SECRET-TOKEN-abc123"


@pytest.fixture
def upstreams() -> Iterator[list[EchoUpstream]]:
    servers = [EchoUpstream("a"), EchoUpstream("b")]
    for server in servers:
        server.start()
    yield servers
    for server in servers:
        server.stop()


@pytest.fixture
def client_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "client"
    directory.mkdir()
    (directory / "index.html").write_text("<!doctype html><title>TaskFlow</title>")
    (directory / "app.js").write_text("console.log('taskflow');")
    return directory


@pytest.fixture
def nginx(upstreams: list[EchoUpstream], client_dir: Path) -> Iterator[NginxServer]:
    with NginxServer(upstreams=[u.address for u in upstreams], client_dir=client_dir) as server:
        yield server


def upstream_of(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    return str(response.json()["upstream"])


def board_upstream(nginx: NginxServer, board: int) -> str:
    with connect(f"{nginx.ws_url}/ws/boards/{board}?token={TOKEN}", open_timeout=5) as ws:
        hello = json.loads(ws.recv(timeout=5))
        ws.send("ping")
        assert ws.recv(timeout=5) == "ping"
    assert hello["path"] == f"/ws/boards/{board}?token={TOKEN}", "query reaches the replica"
    return str(hello["upstream"])


def test_serves_the_client_itself(nginx: NginxServer) -> None:
    index = httpx.get(f"{nginx.url}/")
    assert index.status_code == 200 and "TaskFlow" in index.text
    script = httpx.get(f"{nginx.url}/app.js")
    assert script.headers["content-type"].startswith("application/javascript")
    assert httpx.get(f"{nginx.url}/missing.js").status_code == 404
    assert "upstream=-" in nginx.access_log.read_text(), "static files never touch a replica"


def test_api_and_operations_are_spread_over_replicas(nginx: NginxServer) -> None:
    seen = Counter(upstream_of(httpx.get(f"{nginx.url}/api/boards")) for _ in range(8))
    assert set(seen) == {"a", "b"}
    for path in ("/healthz", "/readyz", "/metrics", "/openapi.json", "/docs"):
        assert upstream_of(httpx.get(f"{nginx.url}{path}")) in {"a", "b"}


def test_forwarded_headers_reach_the_replica(nginx: NginxServer) -> None:
    described = httpx.get(f"{nginx.url}/api/x", headers={"Host": "board.example"}).json()
    headers = described["headers"]
    assert headers["x-forwarded-for"] == "127.0.0.1"
    assert headers["x-forwarded-proto"] == "http"
    assert headers["x-forwarded-host"] == "board.example"


def test_a_board_always_meets_on_one_replica(nginx: NginxServer) -> None:
    for board in (1, 7, 42):
        assert len({board_upstream(nginx, board) for _ in range(4)}) == 1
    spread = {board_upstream(nginx, board) for board in range(1, 25)}
    assert spread == {"a", "b"}, "boards are spread over the replicas"


def test_a_dead_replica_is_skipped(nginx: NginxServer, upstreams: list[EchoUpstream]) -> None:
    upstreams[0].stop()
    assert {upstream_of(httpx.get(f"{nginx.url}/api/boards")) for _ in range(6)} == {"b"}
    assert {board_upstream(nginx, board) for board in range(1, 10)} == {"b"}


def test_no_log_line_contains_the_token(nginx: NginxServer, upstreams: list[EchoUpstream]) -> None:
    board_upstream(nginx, 3)
    upstreams[0].stop()
    for board in range(1, 10):  # some of these fail over from the dead replica
        board_upstream(nginx, board)
    upstreams[1].stop()
    # Every replica down: nginx's connect errors are the lines that would carry the request.
    for board in range(1, 4):
        with pytest.raises(InvalidStatus, match="502"):
            board_upstream(nginx, board)
    logs = nginx.logs()
    assert "/ws/boards/1 " in logs and "upstream_status=502" in logs
    assert TOKEN not in logs


def test_reload_switches_upstreams(nginx: NginxServer, upstreams: list[EchoUpstream]) -> None:
    nginx.reload([upstreams[1].address])
    assert {upstream_of(httpx.get(f"{nginx.url}/api/boards")) for _ in range(4)} == {"b"}
    nginx.reload([u.address for u in upstreams])
    assert {upstream_of(httpx.get(f"{nginx.url}/api/boards")) for _ in range(8)} == {"a", "b"}
