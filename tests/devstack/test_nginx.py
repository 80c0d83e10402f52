"""Nginx run natively from our template: static client, balancing, board pinning, failover, logs."""

from __future__ import annotations

import asyncio
import json
import ssl
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from devstack.nginx import NginxServer
from devstack.paths import NGINX_TEMPLATE
from devstack.ports import free_port
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.deploy.nginx_conf import tls_enabled
from tests.devstack.upstreams import EchoUpstream

TOKEN = "SECRET-TOKEN-abc123"
# Another loopback address: not 127.0.0.1, the one address the native config calls internal.
OUTSIDER = "127.0.0.2"


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


def from_address(address: str) -> httpx.Client:
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=10)


def test_forwarded_headers_reach_the_replica(nginx: NginxServer) -> None:
    described = httpx.get(f"{nginx.url}/api/x", headers={"Host": "board.example"}).json()
    headers = described["headers"]
    assert headers["x-forwarded-for"] == "127.0.0.1"
    # What a client writes in X-Forwarded-For never reaches the replica: only its real address.
    for address in ("127.0.0.1", OUTSIDER):
        with from_address(address) as client:
            forged = {"X-Forwarded-For": "6.6.6.6", "X-Real-IP": "6.6.6.6"}
            seen = client.get(f"{nginx.url}/api/x", headers=forged).json()["headers"]
        assert seen["x-forwarded-for"] == address
        assert seen["x-real-ip"] == address
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


# -- security review (issue 13) --------------------------------------------------------------


def assert_security_headers(response: httpx.Response, *, tls: bool = False) -> None:
    what = f"{response.request.method} {response.request.url} -> {response.status_code}"
    headers = response.headers
    policy = headers.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in policy, what
    assert "default-src 'none'" in policy, what
    assert headers.get("x-frame-options") == "DENY", what
    assert headers.get("x-content-type-options") == "nosniff", what
    assert headers.get("referrer-policy") == "no-referrer", what
    if tls:
        assert headers.get("strict-transport-security", "").startswith("max-age="), what
    else:
        assert "strict-transport-security" not in headers, what


def test_every_answer_carries_the_security_headers(
    nginx: NginxServer, upstreams: list[EchoUpstream]
) -> None:
    answers = [
        httpx.get(f"{nginx.url}/"),
        httpx.get(f"{nginx.url}/app.js"),
        httpx.get(f"{nginx.url}/missing.js"),
        httpx.get(f"{nginx.url}/api/x"),
        httpx.post(f"{nginx.url}/api/x", content=b"x" * (2 * 1024 * 1024)),  # 413
    ]
    with from_address(OUTSIDER) as outsider:
        answers.append(outsider.get(f"{nginx.url}/metrics"))  # 403
    for upstream in upstreams:
        upstream.stop()
    answers.append(httpx.get(f"{nginx.url}/api/x"))  # 502
    assert [a.status_code for a in answers] == [200, 200, 404, 200, 413, 403, 502]
    for answer in answers:
        assert_security_headers(answer)
    index = answers[0]
    assert index.headers["cache-control"] == "no-cache", "index.html is always revalidated"
    policy = index.headers["content-security-policy"]
    assert f"connect-src 'self' ws://127.0.0.1:{nginx.port} wss://127.0.0.1:{nginx.port};" in policy


def test_a_forged_host_cannot_write_into_the_policy(nginx: NginxServer) -> None:
    for host in ("evil.example;script-src *", "a'b"):
        response = httpx.get(f"{nginx.url}/", headers={"Host": host})
        policy = response.headers["content-security-policy"]
        assert "connect-src 'self' ;" in policy and "script-src 'self';" in policy, policy


def test_docs_and_metrics_answer_loopback_only(nginx: NginxServer) -> None:
    internal = ("/metrics", "/docs", "/docs/oauth2-redirect", "/redoc")
    public = ("/openapi.json", "/healthz", "/readyz", "/api/boards")
    with from_address(OUTSIDER) as outsider:
        for path in internal:
            assert outsider.get(f"{nginx.url}{path}").status_code == 403, path
        for path in public:
            assert outsider.get(f"{nginx.url}{path}").status_code == 200, path
    for path in (*internal, *public):
        assert httpx.get(f"{nginx.url}{path}").status_code == 200, path


async def sign_in_burst(url: str, address: str, count: int) -> list[httpx.Response]:
    transport = httpx.AsyncHTTPTransport(local_address=address)
    async with httpx.AsyncClient(base_url=url, transport=transport, timeout=10) as client:
        form = {"username": "someone", "password": "whatever-it-is"}
        return list(
            await asyncio.gather(*(client.post("/api/auth/token", data=form) for _ in range(count)))
        )


def test_a_burst_of_sign_ins_is_cut_at_nginx_with_429(nginx: NginxServer) -> None:
    answers = asyncio.run(sign_in_burst(nginx.url, "127.0.0.3", 40))
    # The echo upstream answers no POST (502): what matters is what got past Nginx.
    passed = [answer for answer in answers if answer.status_code != 429]
    # About 1 + burst 10 at once (+ what 5/s adds while in flight), the rest refused.
    assert 10 <= len(passed) <= 14, Counter(answer.status_code for answer in answers)
    refused = next(answer for answer in answers if answer.status_code == 429)
    assert refused.headers["content-type"] == "application/json"
    assert "sign-in" in refused.json()["detail"]
    assert_security_headers(refused)
    log = nginx.access_log.read_text().splitlines()
    logged = [line for line in log if "POST /api/auth/token" in line]
    assert len(logged) == 40
    assert sum("upstream=- " in line for line in logged) == 40 - len(passed)
    assert all(" 429 " in line for line in logged if "upstream=- " in line)
    # Only POST on the sign-in path counts, and only for that address.
    with from_address("127.0.0.3") as same:
        assert same.get(f"{nginx.url}/api/auth/token").status_code != 429
        assert same.post(f"{nginx.url}/api/users", json={}).status_code != 429
    assert httpx.post(f"{nginx.url}/api/auth/token", data={"username": "x"}).status_code != 429


def self_signed(directory: Path) -> Path:
    directory.mkdir()
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", str(directory / "privkey.pem"), "-out", str(directory / "fullchain.pem"),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    return directory


def test_the_tls_lines_serve_https_with_hsts_and_redirect_http(
    tmp_path: Path, upstreams: list[EchoUpstream], client_dir: Path
) -> None:
    tls_dir = self_signed(tmp_path / "tls")
    tls_port = free_port()
    # Switched on as nginx/README.md says; only compose's port and paths become native ones.
    template = tls_enabled(NGINX_TEMPLATE.read_text())
    template = template.replace("listen 443 ssl;", f"listen 127.0.0.1:{tls_port} ssl;")
    template = template.replace("/etc/nginx/tls", str(tls_dir))
    trust = ssl.create_default_context(cafile=str(tls_dir / "fullchain.pem"))
    with NginxServer(
        upstreams=[u.address for u in upstreams],
        client_dir=client_dir,
        workdir=tmp_path / "nginx",
        template=template,
    ) as nginx:
        plain = httpx.get(f"{nginx.url}/api/boards?x=1")
        assert plain.status_code == 301
        assert plain.headers["location"] == "https://127.0.0.1/api/boards?x=1"
        assert_security_headers(plain)
        https = f"https://127.0.0.1:{tls_port}"
        with httpx.Client(verify=trust, timeout=10) as client:
            api = client.get(f"{https}/api/boards")
            assert api.status_code == 200
            assert api.json()["headers"]["x-forwarded-proto"] == "https"
            assert_security_headers(api, tls=True)
            index = client.get(f"{https}/")
            assert index.status_code == 200 and "TaskFlow" in index.text
            assert_security_headers(index, tls=True)
            assert_security_headers(client.get(f"{https}/missing.js"), tls=True)
        with connect(f"wss://127.0.0.1:{tls_port}/ws/boards/5?token={TOKEN}", ssl=trust) as ws:
            assert json.loads(ws.recv(timeout=5))["headers"]["x-forwarded-proto"] == "https"
