"""docker-compose.yml: valid Compose Specification, and consistent with the rest of the repo.

No Docker engine runs here, so these checks stand in for `docker compose config` and more:
they tie compose to .env, .env.db, the server's settings, the Dockerfile and the Nginx template.
"""

from __future__ import annotations

import copy
import ipaddress
import re
import subprocess
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jsonschema
import pydantic
import pytest
from devstack.nginx import PLACEHOLDERS
from devstack.paths import NGINX_TEMPLATE, REPO_ROOT

from taskflow.config import DEV_SECRET_KEY, Settings
from tests.deploy import nginx_conf
from tests.deploy.repo_files import (
    COMPOSE_FILE,
    SECRETS_EXAMPLE,
    MissingVariable,
    compose,
    compose_raw,
    compose_schema,
    dockerignored,
    dotenv,
    effective_env,
    env_files,
    interpolate,
    interpolation_env,
    operator_secrets,
    service,
)

STATEFUL = {"postgres": "/var/lib/postgresql/data", "mongodb": "/data/db", "redis": "/data"}
SERVER_PORT = 8000
# Read by uvicorn (through `taskflow serve`), not by Settings.
NON_SETTINGS_ENV = {"FORWARDED_ALLOW_IPS"}


def test_matches_the_compose_specification() -> None:
    validator = jsonschema.Draft202012Validator(compose_schema())
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(compose())
    ]
    assert errors == []


def test_the_schema_does_reject_a_broken_file() -> None:
    broken = copy.deepcopy(compose())
    broken["services"]["server"]["depends_on"]["redis"]["condition"] = "service_ready"
    broken["services"]["redis"]["healthcheck"]["interval"] = {"seconds": 5}
    broken["services"]["nginx"]["volumes"] = "./nginx:/etc/nginx"
    validator = jsonschema.Draft202012Validator(compose_schema())
    paths = {"/".join(map(str, e.absolute_path)) for e in validator.iter_errors(broken)}
    for broken_part in (
        "services/server/depends_on",
        "services/redis/healthcheck",
        "services/nginx",
    ):
        assert any(path.startswith(broken_part) for path in paths), broken_part


def test_has_no_obsolete_version_key() -> None:
    assert "version" not in compose()


def test_every_env_file_exists() -> None:
    for name, svc in compose()["services"].items():
        for path in env_files(svc):
            assert path.is_file(), f"service {name}: env_file {path} is missing"


def test_server_and_migrate_get_every_setting_and_only_known_ones() -> None:
    settings = {name.upper() for name in Settings.model_fields}
    for name in ("server", "migrate"):
        env = effective_env(service(name))
        dotenv_keys = set(dotenv(REPO_ROOT / ".env"))
        assert dotenv_keys <= env.keys(), f"{name}: misses {dotenv_keys - env.keys()}"
        unknown = env.keys() - settings - NON_SETTINGS_ENV
        assert not unknown, f"{name}: variables the server does not read: {unknown}"
        for required in ("DATABASE_URL", "REDIS_URL", "MONGODB_URI", "SECRET_KEY"):
            assert env.get(required), f"{name}: {required} is empty"
        Settings(_env_file=None, **{k.lower(): v for k, v in env.items() if k in settings})  # type: ignore[call-arg]


def test_server_addresses_are_the_compose_services() -> None:
    env = effective_env(service("server"))
    database = urlsplit(env["DATABASE_URL"])
    assert database.scheme == "postgresql+asyncpg"
    assert (database.hostname, database.port) == ("postgres", 5432)
    redis = urlsplit(env["REDIS_URL"])
    assert (redis.scheme, redis.hostname, redis.port or 6379) == ("redis", "redis", 6379)
    mongo = urlsplit(env["MONGODB_URI"])
    assert (mongo.scheme, mongo.hostname, mongo.port or 27017) == ("mongodb", "mongodb", 27017)
    assert service("migrate")["environment"] == service("server")["environment"]


def test_database_url_uses_the_credentials_of_the_postgres_service() -> None:
    db = effective_env(service("postgres"))
    url = urlsplit(effective_env(service("server"))["DATABASE_URL"])
    assert url.username == db["POSTGRES_USER"]
    assert (
        url.password == db["POSTGRES_PASSWORD"] == operator_secrets()["TASKFLOW_POSTGRES_PASSWORD"]
    )
    assert url.path == f"/{db['POSTGRES_DB']}"
    assert service("postgres")["env_file"] in (".env.db", [".env.db"])


def test_env_db_documents_every_value_and_holds_no_password() -> None:
    lines = (REPO_ROOT / ".env.db").read_text().splitlines()
    for index, line in enumerate(lines):
        if line and not line.startswith("#"):
            assert index > 0 and lines[index - 1].startswith("#"), f"uncommented: {line}"
    assert set(dotenv(REPO_ROOT / ".env.db")) == {"POSTGRES_USER", "POSTGRES_DB"}


def test_dotenv_keeps_embedded_defaults() -> None:
    """`make run` reads .env: no container hostnames may leak into it."""
    env = dotenv(REPO_ROOT / ".env")
    assert env["DATABASE_URL"].startswith("sqlite+aiosqlite://")
    assert env["REDIS_URL"] == "" and env["MONGODB_URI"] == ""


def test_stateful_services_have_named_volumes_and_healthchecks() -> None:
    declared = compose().get("volumes") or {}
    for name, data_dir in STATEFUL.items():
        svc = service(name)
        assert svc.get("healthcheck", {}).get("test"), f"{name}: no healthcheck"
        mounts = {
            v.split(":")[1]: v.split(":")[0] for v in svc.get("volumes", []) if isinstance(v, str)
        }
        assert data_dir in mounts, f"{name}: {data_dir} is not on a volume"
        assert mounts[data_dir] in declared, f"{name}: {mounts[data_dir]} is not a named volume"
    assert "--appendonly" in service("redis")["command"]
    assert (
        service("redis")["command"][service("redis")["command"].index("--appendonly") + 1] == "yes"
    )


def test_images_are_the_expected_ones() -> None:
    assert service("postgres")["image"] == "postgres:15"
    assert service("mongodb")["image"] == "mongo:7"
    assert service("redis")["image"] == "redis:7"
    assert re.fullmatch(r"nginx:1\.\d+(\.\d+)?-alpine", service("nginx")["image"])


def test_server_waits_for_healthy_backends_and_finished_migration() -> None:
    depends = service("server")["depends_on"]
    assert {name: dep["condition"] for name, dep in depends.items()} == {
        "postgres": "service_healthy",
        "mongodb": "service_healthy",
        "redis": "service_healthy",
        "migrate": "service_completed_successfully",
    }
    assert service("migrate")["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert service("nginx")["depends_on"]["server"]["condition"] == "service_healthy"


def test_server_runs_replicas_from_the_server_dockerfile() -> None:
    for name in ("server", "migrate"):
        build = service(name)["build"]
        assert (build["context"], build["dockerfile"]) == (".", "server/Dockerfile")
    assert service("server")["deploy"]["replicas"] >= 2
    assert service("server")["command"] == [
        "taskflow", "serve", "--host", "0.0.0.0", "--port", str(SERVER_PORT)
    ]  # fmt: skip
    assert service("migrate")["command"] == ["taskflow", "migrate"]
    assert "ports" not in service("server"), "replicas are reached through nginx only"


def test_nginx_upstreams_are_the_server_service_and_port() -> None:
    env = service("nginx")["environment"]
    servers = re.findall(r"server\s+([^\s;]+)\s*[^;]*;", env["TASKFLOW_UPSTREAM_SERVERS"])
    assert servers, "TASKFLOW_UPSTREAM_SERVERS names no server"
    for address in servers:
        host, _, port = address.partition(":")
        assert host in compose()["services"], f"{host} is not a compose service"
        assert int(port) == SERVER_PORT
        assert str(SERVER_PORT) in map(str, service(host).get("expose", []))


def test_nginx_renders_our_template_as_the_whole_config() -> None:
    nginx = service("nginx")
    env = nginx["environment"]
    assert env["NGINX_ENVSUBST_OUTPUT_DIR"] == "/etc/nginx"
    mounts = {v.split(":")[1]: v for v in nginx["volumes"]}
    template = mounts["/etc/nginx/templates/nginx.conf.template"]
    assert template.split(":")[0] == "./" + str(NGINX_TEMPLATE.relative_to(REPO_ROOT))
    assert template.endswith(":ro")
    client = mounts[env["TASKFLOW_CLIENT_DIR"]]
    assert client.split(":")[0] == "./client" and client.endswith(":ro")
    assert set(PLACEHOLDERS) == {k for k in env if k.startswith("TASKFLOW_")}
    assert not set(operator_secrets()) & set(env), "no secret reaches the nginx container"
    assert any(port.endswith(":80") for port in nginx["ports"]) and env["TASKFLOW_LISTEN"] == "80"


def test_named_volumes_are_all_used() -> None:
    declared = set(compose()["volumes"])
    used = {
        volume.split(":")[0]
        for svc in compose()["services"].values()
        for volume in svc.get("volumes", [])
        if isinstance(volume, str) and not volume.startswith((".", "/"))
    }
    assert declared == used


# -- the operator's secrets (security review, item 12 and the Redis/MongoDB part of 13) -----------

REQUIRED = re.compile(r"\$\{(TASKFLOW_\w+)(:?[-?+])?")


def test_compose_refuses_to_start_without_the_operators_secrets() -> None:
    """Compose reads the committed .env for interpolation: that alone must not start anything."""
    with pytest.raises(MissingVariable) as refused:
        interpolate(compose_raw(), dotenv(REPO_ROOT / ".env"))
    assert refused.value.names == set(operator_secrets())
    # secrets.env.example copied without filling it in starts nothing either (`:?` refuses "").
    unfilled = dotenv(REPO_ROOT / ".env") | dotenv(SECRETS_EXAMPLE)
    with pytest.raises(MissingVariable) as still_refused:
        interpolate(compose_raw(), unfilled)
    assert still_refused.value.names == set(operator_secrets())
    assert not set(operator_secrets()) & set(dotenv(REPO_ROOT / ".env"))
    for name, value in dotenv(SECRETS_EXAMPLE).items():
        assert value == "", f"secrets.env.example commits a value for {name}"


def test_every_secret_reference_is_required_and_every_secret_is_used() -> None:
    text = "\n".join(
        line for line in COMPOSE_FILE.read_text().splitlines() if not line.lstrip().startswith("#")
    )
    references = REQUIRED.findall(text)
    secret_refs = [(name, op) for name, op in references if name in operator_secrets()]
    assert {name for name, _ in secret_refs} == set(operator_secrets())
    for name, op in secret_refs:
        assert op == ":?", f"${{{name}}} without :? would start with an empty value"


def test_operator_secrets_stay_out_of_git_and_out_of_images() -> None:
    ignored = subprocess.run(
        ["git", "check-ignore", "--no-index", "-q", "secrets.env"],
        cwd=REPO_ROOT,
        check=False,
        timeout=30,
    )
    assert ignored.returncode == 0, "secrets.env is not gitignored"
    assert dockerignored("secrets.env")


def test_server_runs_in_production_with_the_operators_key() -> None:
    settings = {name.upper() for name in Settings.model_fields}
    for name in ("server", "migrate"):
        env = effective_env(service(name))
        assert env["ENVIRONMENT"] == "production"
        assert env["SECRET_KEY"] == operator_secrets()["TASKFLOW_SECRET_KEY"]
        loaded = settings_of(env, settings)
        assert loaded.environment == "production"
    # An operator who pastes the development key (or a short one) gets a server that refuses to start.
    for weak in (DEV_SECRET_KEY, "short-key"):
        document = interpolate(compose_raw(), interpolation_env() | {"TASKFLOW_SECRET_KEY": weak})
        env = effective_env(document["services"]["server"])
        with pytest.raises(pydantic.ValidationError, match=r"(?i)secret_key"):
            settings_of(env, settings)


def settings_of(env: dict[str, str], names: set[str]) -> Settings:
    values: dict[str, Any] = {k.lower(): v for k, v in env.items() if k in names}
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_redis_requires_the_operators_password_everywhere() -> None:
    password = operator_secrets()["TASKFLOW_REDIS_PASSWORD"]
    command = service("redis")["command"]
    assert command[command.index("--requirepass") + 1] == password
    assert urlsplit(effective_env(service("server"))["REDIS_URL"]).password == password
    # The healthcheck logs in through REDISCLI_AUTH and wants PONG (NOAUTH is no answer).
    assert effective_env(service("redis"))["REDISCLI_AUTH"] == password
    test = service("redis")["healthcheck"]["test"]
    assert test[0] == "CMD-SHELL" and "redis-cli" in test[1] and "PONG" in test[1]
    assert password not in test[1]


def test_mongodb_requires_the_operators_password_everywhere() -> None:
    mongo = effective_env(service("mongodb"))
    password = operator_secrets()["TASKFLOW_MONGO_PASSWORD"]
    assert mongo["MONGO_INITDB_ROOT_PASSWORD"] == password
    uri = urlsplit(effective_env(service("server"))["MONGODB_URI"])
    assert (uri.username, uri.password) == (mongo["MONGO_INITDB_ROOT_USERNAME"], password)
    assert parse_qs(uri.query) == {"authSource": ["admin"]}, "the root user lives in admin"
    check = service("mongodb")["healthcheck"]["test"]
    assert check[0] == "CMD-SHELL"
    # Logged in as the root user (ping alone answers without a login), password not inlined.
    for needed in (
        "${MONGO_INITDB_ROOT_USERNAME}",
        "${MONGO_INITDB_ROOT_PASSWORD}",
        "--authenticationDatabase admin",
        "listDatabases",
    ):
        assert needed in check[1], needed
    assert password not in check[1]


# -- who the replicas believe (security review, item 2) -------------------------------------------


def compose_network() -> tuple[ipaddress.IPv4Network, ipaddress.IPv4Address]:
    (pool,) = compose()["networks"]["default"]["ipam"]["config"]
    return ipaddress.IPv4Network(pool["subnet"]), ipaddress.IPv4Address(pool["gateway"])


def test_replicas_trust_forwarded_headers_from_nginx_alone() -> None:
    subnet, gateway = compose_network()
    nginx_address = ipaddress.IPv4Address(service("nginx")["networks"]["default"]["ipv4_address"])
    assert nginx_address in subnet and nginx_address != gateway
    for name in ("server", "migrate"):
        trusted = effective_env(service(name))["FORWARDED_ALLOW_IPS"]
        assert trusted == str(nginx_address), f"{name}: FORWARDED_ALLOW_IPS={trusted}"
    for name, svc in compose()["services"].items():
        assert set(svc.get("networks", {"default": None})) == {"default"}, name


def test_operations_pages_are_open_to_the_compose_network_but_not_its_gateway() -> None:
    subnet, gateway = compose_network()
    rules = nginx_conf.parse(service("nginx")["environment"]["TASKFLOW_INTERNAL_CLIENTS"])
    assert {rule.name for rule in rules.block or []} <= {"allow", "deny"}
    decided = [(rule.name, rule.args[0]) for rule in rules.block or []]
    # nginx takes the first rule that matches.
    first_for_gateway = next(
        verdict
        for verdict, network in decided
        if ipaddress.ip_address(gateway) in ipaddress.ip_network(network)
    )
    assert first_for_gateway == "deny"
    assert ("allow", str(subnet)) in decided
    assert ("allow", "127.0.0.1") in decided
    for _, network in decided:
        assert ipaddress.ip_network(network).is_private, f"{network} is not internal"


# -- optional Redis topologies (profiles redis-cluster and redis-sentinel, issue 17) --------------

DEFAULT_SERVICES = {"postgres", "mongodb", "redis", "migrate", "server", "nginx"}
CLUSTER_NODES = [f"redis-node-{n}" for n in range(1, 7)]
SENTINELS = [f"redis-sentinel-{n}" for n in range(1, 4)]


def profiled(profile: str) -> dict[str, dict[str, Any]]:
    return {
        name: svc
        for name, svc in compose()["services"].items()
        if profile in svc.get("profiles", [])
    }


def option(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


def test_without_a_profile_compose_runs_exactly_the_default_services() -> None:
    unprofiled = {name for name, svc in compose()["services"].items() if not svc.get("profiles")}
    assert unprofiled == DEFAULT_SERVICES
    assert set(profiled("redis-cluster")) == {*CLUSTER_NODES, "redis-cluster-init"}
    assert set(profiled("redis-sentinel")) == {
        "redis-sentinel-master",
        "redis-sentinel-replica",
        *SENTINELS,
    }
    for name in DEFAULT_SERVICES:
        assert not set(service(name).get("depends_on", {})) - DEFAULT_SERVICES, name


def test_cluster_nodes_require_the_password_and_are_joined_once_with_a_replica_each() -> None:
    password = operator_secrets()["TASKFLOW_REDIS_PASSWORD"]
    for name in CLUSTER_NODES:
        node = service(name)
        command = node["command"]
        assert node["image"] == "redis:7" and command[0] == "redis-server"
        assert option(command, "--cluster-enabled") == "yes"
        assert option(command, "--requirepass") == option(command, "--masterauth") == password
        assert effective_env(node)["REDISCLI_AUTH"] == password
        assert "PONG" in node["healthcheck"]["test"][1] and password not in str(node["healthcheck"])
    init = service("redis-cluster-init")
    assert init["restart"] == "no" and init["image"] == "redis:7"
    assert {n: d["condition"] for n, d in init["depends_on"].items()} == dict.fromkeys(
        CLUSTER_NODES, "service_healthy"
    )
    script = init["command"][-1]
    assert "--cluster create" in script and "--cluster-replicas 1" in script
    assert "--cluster-yes" in script and "for n in 1 2 3 4 5 6" in script
    assert password not in script and effective_env(init)["REDISCLI_AUTH"] == password


def test_sentinels_watch_a_password_protected_master_and_its_replica() -> None:
    password = operator_secrets()["TASKFLOW_REDIS_PASSWORD"]
    for name in ("redis-sentinel-master", "redis-sentinel-replica"):
        command = service(name)["command"]
        assert option(command, "--requirepass") == option(command, "--masterauth") == password
        assert effective_env(service(name))["REDISCLI_AUTH"] == password
    replica = service("redis-sentinel-replica")
    assert option(replica["command"], "--replicaof") == "redis-sentinel-master"
    assert replica["depends_on"]["redis-sentinel-master"]["condition"] == "service_healthy"
    for name in SENTINELS:
        sentinel = service(name)
        script = sentinel["command"][-1]
        monitor = re.search(r"sentinel monitor (\S+) (\S+) (\d+) (\d+)", script)
        assert monitor is not None, script
        service_name, host, port, quorum = monitor.groups()
        assert (service_name, host, port) == ("taskflow", "redis-sentinel-master", "6379")
        assert len(SENTINELS) // 2 < int(quorum) <= len(SENTINELS)
        # The password reaches the config file through the environment, not the command line.
        assert "sentinel auth-pass taskflow $REDIS_PASSWORD" in script
        assert password not in script
        assert effective_env(sentinel)["REDIS_PASSWORD"] == password
        assert "redis-server /data/sentinel.conf --sentinel" in script
        assert "26379" in sentinel["healthcheck"]["test"][1]


def test_the_documented_redis_urls_name_the_profiles_services() -> None:
    urls = re.findall(r"#\s+REDIS_URL=(\S+)", COMPOSE_FILE.read_text())
    expected = {
        "redis+cluster": (CLUSTER_NODES[:3], 6379),
        "redis+sentinel": (SENTINELS, 26379),
    }
    assert sorted(url.partition("://")[0] for url in urls) == sorted(expected)
    for url in urls:
        scheme, _, rest = url.partition("://")
        userinfo, _, hosts = rest.partition("/")[0].rpartition("@")
        assert userinfo == ":PASSWORD"
        names, port = expected[scheme]
        assert hosts.split(",") == [f"{name}:{port}" for name in names]
        if scheme == "redis+sentinel":
            assert url.endswith("/taskflow")
