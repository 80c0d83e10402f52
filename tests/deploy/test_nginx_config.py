"""nginx/taskflow.conf.template: renders for both runtimes, passes `nginx -t`, keeps promises."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from devstack.nginx import PLACEHOLDERS, NginxServer, render_nginx_config, render_template
from devstack.paths import NGINX_TEMPLATE

from tests.deploy import nginx_conf
from tests.deploy.nginx_conf import (
    Directive,
    location,
    seconds,
    tls_enabled,
    upstream,
    without_comments,
)
from tests.deploy.repo_files import service

SERVER_PING_INTERVAL = 20.0
# Proxy locations and the upstream each must reach.
API_PATHS = [
    "/api/boards",
    "/api/auth/token",
    "/docs",
    "/docs/oauth2-redirect",
    "/redoc",
    "/openapi.json",
    "/asyncapi.json",
    "/healthz",
    "/readyz",
    "/metrics",
]
INTERNAL_PATHS = ["/docs", "/docs/oauth2-redirect", "/redoc", "/metrics"]
PUBLIC_PATHS = [
    "/api/boards",
    "/api/auth/token",
    "/openapi.json",
    "/asyncapi.json",
    "/healthz",
    "/readyz",
    "/",
]
SECURITY_HEADERS = {
    "content-security-policy",
    "x-frame-options",
    "x-content-type-options",
    "referrer-policy",
    "strict-transport-security",
}


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
        # Set from the peer, never appended to what the client sent (it could forge the rest).
        assert headers.get("x-forwarded-for") == "$remote_addr", proxy.args
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


def test_the_page_and_the_service_worker_are_always_revalidated(rendered: Directive) -> None:
    # A cached sw.js would keep an old shell in charge after a deploy (client/sw.js).
    for path in ("/index.html", "/sw.js"):
        chosen = chosen_location(rendered, path)
        assert chosen.args == ["=", path]
        assert chosen.children("expires")[0].args == ["epoch"], path
        assert not chosen.children("proxy_pass")
    types = rendered.children("http")[0].children("types")[0]
    assert "js" in next(d for d in types.walk() if d.name == "application/javascript").args


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


def chosen_location(config: Directive, path: str) -> Directive:
    """The location nginx picks for `path` (exact, then regex, then the longest prefix)."""
    locations = [d for d in config.walk() if d.name == "location"]
    exact = [d for d in locations if d.args[0] == "=" and d.args[1] == path]
    chosen = exact[0] if exact else None
    if chosen is None:
        prefixes = [d for d in locations if len(d.args) == 1 and path.startswith(d.args[0])]
        longest = max(prefixes, key=lambda d: len(d.args[0]))
        regexes = [d for d in locations if d.args[0] in ("~", "~*") and re.search(d.args[1], path)]
        chosen = regexes[0] if regexes else longest
    return chosen


def proxy_target(config: Directive, path: str) -> str:
    """The proxy_pass of the location nginx picks for `path`."""
    targets = chosen_location(config, path).children("proxy_pass")
    return targets[0].args[0] if targets else ""


def http_block(config: Directive) -> Directive:
    return config.children("http")[0]


def map_of(config: Directive, variable: str) -> Directive:
    return next(d for d in config.walk() if d.name == "map" and d.args[1] == variable)


def csp_directives(policy: str) -> dict[str, list[str]]:
    parts = (part.split() for part in policy.split(";") if part.strip())
    return {name: values for name, *values in parts}


# -- security review (issue 13) --------------------------------------------------------------


def test_security_headers_are_set_once_for_every_answer(rendered: Directive) -> None:
    http = http_block(rendered)
    headers = {d.args[0].lower(): d.args for d in http.children("add_header")}
    assert set(headers) == SECURITY_HEADERS
    for name, args in headers.items():
        assert args[-1] == "always", f"{name} is missing on error answers"
    assert headers["x-frame-options"][1] == "DENY"
    assert headers["x-content-type-options"][1] == "nosniff"
    assert headers["referrer-policy"][1] in ("no-referrer", "same-origin")
    # An add_header anywhere below would drop all of these there (no merging between levels).
    below = [d for d in http.walk() if d.name == "add_header" and d.parent is not http]
    assert not below, [d.parent.args if d.parent else None for d in below]
    hsts = map_of(rendered, headers["strict-transport-security"][1])
    assert hsts.args[0] == "$scheme"
    values = {d.name: d.args[0] for d in hsts.block or []}
    assert values["default"] == "" and values["https"].startswith("max-age=")
    assert int(values["https"].split("=")[1].split(";")[0]) >= 180 * 86400


def test_the_clients_content_security_policy_allows_nothing_inline(rendered: Directive) -> None:
    policies = map_of(rendered, "$content_security_policy")
    assert policies.args[0] == "$uri"
    entries = {d.name: d.args[0] for d in policies.block or []}
    strict = csp_directives(entries["default"])
    assert strict["default-src"] == ["'none'"]
    assert strict["script-src"] == ["'self'"] and strict["style-src"] == ["'self'"]
    assert strict["img-src"] == ["'self'", "data:"], "the favicon is a data: URI"
    assert strict["connect-src"] == ["'self'", "$websocket_origins"]
    assert strict["frame-ancestors"] == ["'none'"] and strict["base-uri"] == ["'none'"]
    # Only FastAPI's own doc pages (internal only) get a looser policy.
    (docs_pattern,) = [name for name in entries if name != "default"]
    for path in ("/docs", "/redoc", "/docs/oauth2-redirect"):
        assert re.search(docs_pattern[1:], path), path
    for path in ("/", "/index.html", "/app.js", "/api/docs", "/docsx", "/metrics"):
        assert not re.search(docs_pattern[1:], path), path
    assert csp_directives(entries[docs_pattern])["frame-ancestors"] == ["'none'"]


def test_websocket_origins_echo_only_a_plain_host(rendered: Directive) -> None:
    origins = map_of(rendered, "$websocket_origins")
    assert origins.args[0] == "$http_host"
    entries = {d.name: d.args[0] for d in origins.block or []}
    assert entries.pop("default") == ""
    ((pattern, value),) = entries.items()
    assert pattern.startswith("~*") and value == "ws://$ws_host wss://$ws_host"
    regex = re.compile(pattern[2:].replace("(?<", "(?P<"), re.IGNORECASE)  # PCRE to Python
    for host in ("board.example", "127.0.0.1:8080", "[::1]:8443", "Board.Example:80"):
        match = regex.match(host)
        assert match and match["ws_host"] == host, host
    for host in ("a;script-src *", "a b", "x'y", "a/b", "h:99999999", "a,b"):
        assert not regex.match(host), host


def test_sign_in_is_limited_per_address_and_refused_with_429(rendered: Directive) -> None:
    sign_in = chosen_location(rendered, "/api/auth/token")
    assert sign_in.args == ["=", "/api/auth/token"]
    (limit,) = sign_in.children("limit_req")
    zone_name = limit.args[0].removeprefix("zone=")
    burst = int(next(a for a in limit.args if a.startswith("burst=")).removeprefix("burst="))
    assert 1 <= burst <= 20
    zone = next(d for d in rendered.walk() if d.name == "limit_req_zone")
    assert zone.args[1].startswith(f"zone={zone_name}:")
    rate = next(a for a in zone.args if a.startswith("rate="))
    assert re.fullmatch(r"rate=([1-9]|10)r/s", rate), rate
    # Keyed by the peer address, for POST only (an empty key is not counted).
    key = map_of(rendered, zone.args[0])
    assert key.args[0] == "$request_method"
    assert {d.name: d.args[0] for d in key.block or []} == {
        "POST": "$binary_remote_addr",
        "default": "",
    }
    assert http_block(rendered).children("limit_req_status")[0].args == ["429"]
    # The refusal is the contract's error shape, JSON {"detail": ...}.
    (error_page,) = sign_in.children("error_page")
    assert error_page.args[0] == "429"
    named = location(rendered, error_page.args[-1])
    (answer,) = named.children("return")
    assert answer.args[0] == "429" and json.loads(answer.args[1])["detail"]
    assert named.children("default_type")[0].args == ["application/json"]
    assert proxy_target(rendered, "/api/auth/token") == "http://taskflow_api"


def test_docs_and_metrics_are_internal_only(rendered: Directive) -> None:
    for path in INTERNAL_PATHS:
        chosen = chosen_location(rendered, path)
        rules = [(d.name, d.args[0]) for d in chosen.block or [] if d.name in ("allow", "deny")]
        assert rules[-1] == ("deny", "all"), path
        assert ("allow", "127.0.0.1") in rules, f"{path}: loopback (devstack, tests) is refused"
    for path in PUBLIC_PATHS:
        scopes = [chosen_location(rendered, path)]
        scopes += [d for d in (scopes[0].parent, scopes[0].parent.parent) if d]  # type: ignore[union-attr]
        assert not any(scope.children("deny") for scope in scopes), path


def test_tls_lines_make_a_https_server_with_hsts_and_a_redirect(tmp_path: Path) -> None:
    template = NGINX_TEMPLATE.read_text()
    assert "#tls listen 443 ssl;" in template
    enabled = nginx_conf.parse(
        render_nginx_config(
            upstreams=["127.0.0.1:18001"],
            listen_port=18080,
            client_dir=tmp_path / "client",
            log_dir=tmp_path / "logs",
            state_dir=tmp_path / "state",
            template=tls_enabled(template),
        )
    )
    server = http_block(enabled).children("server")[0]
    listens = [d.args for d in server.children("listen")]
    assert ["443", "ssl"] in listens and len(listens) == 2
    assert server.children("ssl_certificate")[0].args == ["/etc/nginx/tls/fullchain.pem"]
    assert server.children("ssl_certificate_key")[0].args == ["/etc/nginx/tls/privkey.pem"]
    assert set(server.children("ssl_protocols")[0].args) <= {"TLSv1.2", "TLSv1.3"}
    (redirect,) = server.children("if")
    assert redirect.args == ["($scheme", "=", "http)"]
    assert redirect.children("return")[0].args == ["301", "https://$host$request_uri"]
