"""nginx/taskflow.conf.template: renders for both runtimes, passes `nginx -t`, keeps promises."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from devstack.nginx import PLACEHOLDERS, NginxServer, render_nginx_config, render_template
from devstack.paths import NGINX_TEMPLATE

from tests.deploy import nginx_conf
from tests.deploy.nginx_conf import Directive, location, seconds, upstream, without_comments
from tests.deploy.repo_files import service

SERVER_PING_INTERVAL = 20.0
# Proxy locations and the upstream each must reach.
API_PATHS = ["/api/boards", "/docs", "/openapi.json", "/healthz", "/readyz", "/metrics"]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Directive:
    tmp = tmp_path_factory.mktemp("nginx")
    text = render_nginx_config(
        upstreams=["127.0.0.1:18001", "127.0.0.1:18002"],
        listen_port=18080,
        client_dir=tmp / "client",
        log_dir=tmp / "logs",
        state_dir=tmp / "state",
    )
    return nginx_conf.parse(text)


def test_rendered_config_passes_nginx_t(tmp_path: Path) -> None:
    (tmp_path / "client").mkdir()
    nginx = NginxServer(
        upstreams=["127.0.0.1:18001", "127.0.0.1:18002"],
        client_dir=tmp_path / "client",
        workdir=tmp_path / "prefix",
    )
    output = nginx.check()
    assert "syntax is ok" in output and "test is successful" in output
    assert "${" not in without_comments(nginx.conf_path.read_text())


def test_placeholders_are_exactly_the_documented_ones() -> None:
    text = without_comments(NGINX_TEMPLATE.read_text())
    assert set(re.findall(r"\$\{(\w+)\}", text)) == set(PLACEHOLDERS)
    # envsubst also replaces a bare $NAME of a defined variable; keep the template free of them.
    assert not re.search(r"\$TASKFLOW_", text)


def test_image_envsubst_renders_what_devstack_renders() -> None:
    """The nginx image runs `envsubst` with the list of defined variables; emulate it exactly."""
    env = {name: str(value) for name, value in service("nginx")["environment"].items()}
    env |= {"PATH": "/usr/bin:/bin", "HOSTNAME": "nginx", "HOME": "/root"}
    defined = " ".join(f"${{{name}}}" for name in env)
    result = subprocess.run(
        ["envsubst", defined],
        input=NGINX_TEMPLATE.read_text(),
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=30,
    )
    assert result.stdout == render_template(env)


def test_api_and_operations_are_balanced_over_the_api_upstream(rendered: Directive) -> None:
    api = upstream(rendered, "taskflow_api")
    assert len(api.children("server")) == 2
    assert not api.children("hash"), "REST is not pinned"
    for path in API_PATHS:
        assert proxy_target(rendered, path) == "http://taskflow_api", path


def test_websockets_hash_on_the_board_id(rendered: Directive) -> None:
    ws = upstream(rendered, "taskflow_ws")
    assert ws.children("hash")[0].args == ["$board_id", "consistent"]
    board_map = next(d for d in rendered.walk() if d.name == "map" and d.args[1] == "$board_id")
    assert board_map.args[0] == "$uri"
    pattern = next(d.name for d in board_map.block or [] if d.name.startswith("~"))
    assert (
        re.match(pattern[1:], "/ws/boards/42") and re.match(pattern[1:], "/ws/boards/42")[1] == "42"
    )  # type: ignore[index]
    assert proxy_target(rendered, "/ws/boards/42") == "http://taskflow_ws"


def test_websocket_location_upgrades_and_outlives_the_ping(rendered: Directive) -> None:
    ws = location(rendered, "/ws/")
    headers = ws.proxy_headers()
    assert headers["upgrade"] == "$http_upgrade"
    assert headers["connection"] == "$connection_upgrade"
    maps = [d for d in rendered.walk() if d.name == "map"]
    upgrade_map = next(d for d in maps if d.args[0] == "$http_upgrade")
    assert upgrade_map.args[1] == "$connection_upgrade"
    assert {d.name: d.args[0] for d in upgrade_map.block or []}["default"] == "upgrade"
    assert ws.inherited("proxy_http_version").args == ["1.1"]  # type: ignore[union-attr]
    for timeout in ("proxy_read_timeout", "proxy_send_timeout"):
        assert seconds(ws.children(timeout)[0].args[0]) >= 60 * SERVER_PING_INTERVAL


def test_every_proxied_location_forwards_client_details(rendered: Directive) -> None:
    proxied = [d for d in rendered.walk() if d.name == "location" and d.children("proxy_pass")]
    assert len(proxied) >= 3
    for proxy in proxied:
        headers = proxy.proxy_headers()
        assert headers.get("x-forwarded-for") == "$proxy_add_x_forwarded_for", proxy.args
        assert headers.get("x-forwarded-proto") == "$scheme", proxy.args
        assert headers.get("x-forwarded-host") == "$host", proxy.args
        assert headers.get("host") == "$host", proxy.args


def test_passive_failover_skips_a_dead_replica_quickly(rendered: Directive) -> None:
    server = next(d for d in rendered.walk() if d.name == "server" and d.block is not None)
    assert set(server.children("proxy_next_upstream")[0].args) >= {"error", "timeout"}
    assert seconds(server.children("proxy_connect_timeout")[0].args[0]) <= 5


def test_static_client_is_served_by_nginx(rendered: Directive) -> None:
    server = next(d for d in rendered.walk() if d.name == "server" and d.block is not None)
    assert server.children("root")[0].args[0].endswith("client")
    assert server.children("index")[0].args == ["index.html"]
    assert not location(rendered, "/").children("proxy_pass")


def test_connection_limits_fit_ten_thousand_websockets(rendered: Directive) -> None:
    events = rendered.children("events")[0]
    connections = int(events.children("worker_connections")[0].args[0])
    assert connections >= 2 * 10_000
    assert int(rendered.children("worker_rlimit_nofile")[0].args[0]) >= connections


def test_no_log_can_contain_a_token(rendered: Directive) -> None:
    text = without_comments(NGINX_TEMPLATE.read_text())
    # The request line, the raw URI, the query string and the referer may all carry ?token=.
    assert not re.search(r"\$(request|request_uri|args|query_string|arg_\w+|http_referer)\b", text)
    log_format = next(d for d in rendered.walk() if d.name == "log_format")
    assert "$uri" in "".join(log_format.args)
    for access_log in (d for d in rendered.walk() if d.name == "access_log"):
        assert access_log.args[1] == "taskflow", "every access log uses the token-free format"
    # Every proxied request logs errors at emerg only, so no error line can print a request.
    server = rendered.children("http")[0].children("server")[0]
    server_error_log = server.children("error_log")
    assert server_error_log and server_error_log[0].args[1] == "emerg"
    for block in (d for d in server.walk() if d.name == "location"):
        assert all(log.args[1] == "emerg" for log in block.children("error_log"))


def proxy_target(config: Directive, path: str) -> str:
    """The proxy_pass of the location nginx picks for `path` (prefix, exact and regex rules)."""
    locations = [d for d in config.walk() if d.name == "location"]
    exact = [d for d in locations if d.args[0] == "=" and d.args[1] == path]
    chosen = exact[0] if exact else None
    if chosen is None:
        prefixes = [d for d in locations if len(d.args) == 1 and path.startswith(d.args[0])]
        longest = max(prefixes, key=lambda d: len(d.args[0]))
        regexes = [d for d in locations if d.args[0] in ("~", "~*") and re.search(d.args[1], path)]
        chosen = regexes[0] if regexes else longest
    targets = chosen.children("proxy_pass")
    return targets[0].args[0] if targets else ""
