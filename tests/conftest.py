"""Fixtures shared by the whole suite: databases on SQLite and PostgreSQL, the app, clients, users."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from devstack.redis_cluster import RedisClusterTopology
from devstack.redis_sentinel import RedisSentinelTopology
from devstack.waiting import time_scale
from fastapi import FastAPI

from devstack import Stack, StackOptions
from taskflow.config import Settings
from taskflow.main import create_app
from tests.support.databases import PostgresTestDatabase, SqliteTemplate
from tests.support.servers import running_server
from tests.support.stack import heal

ROOT = Path(__file__).resolve().parents[1]
# One unit for every wait in the suite; a slow machine scales it up (websockets does the same).
TIMEOUT_UNIT = time_scale()


def _postgres_server_url() -> str:
    from devstack.postgres import ensure_postgres

    return ensure_postgres()


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[PostgresTestDatabase]:
    database = PostgresTestDatabase(_postgres_server_url())
    database.create()
    yield database
    database.drop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplate:
    template = SqliteTemplate(tmp_path_factory.mktemp("sqlite-template"))
    template.create()
    return template


async def fresh_database(request: pytest.FixtureRequest, kind: str, tmp_path: Path) -> str:
    """The URL of a clean, migrated database of this kind ("sqlite" or "postgres")."""
    if kind == "sqlite":
        template: SqliteTemplate = request.getfixturevalue("sqlite_template")
        return template.fresh_copy(tmp_path)
    database: PostgresTestDatabase = request.getfixturevalue("postgres_database")
    await database.truncate()
    return database.url


@pytest.fixture(params=["sqlite", "postgres"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A clean, migrated database: every test that asks for it runs once per database."""
    return await fresh_database(request, request.param, tmp_path)


def make_settings(database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "environment": "test",
        "database_url": database_url,
        "redis_url": "",
        "mongodb_uri": "",
        "client_dir": str(ROOT / "client"),
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://taskflow.test") as http:
        yield http


@pytest.fixture
async def server_url(settings: Settings) -> AsyncIterator[str]:
    """The app behind a real uvicorn on a free loopback port (for WebSocket and protocol tests)."""
    async with running_server(create_app(settings)) as url:
        yield url


@dataclass
class Account:
    id: int
    username: str
    password: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


_names = itertools.count(1)


async def register(http: httpx.AsyncClient, username: str | None = None) -> Account:
    """Create an account through the API and sign it in."""
    username = username or f"user{next(_names)}"
    password = f"pw-{username}-secret"
    created = await http.post(
        "/api/users",
        json={"username": username, "email": f"{username}@example.com", "password": password},
    )
    assert created.status_code == 201, created.text
    token = await http.post("/api/auth/token", data={"username": username, "password": password})
    assert token.status_code == 200, token.text
    return Account(created.json()["id"], username, password, token.json()["access_token"])


@pytest.fixture
def make_account(client: httpx.AsyncClient):  # type: ignore[no-untyped-def]
    async def factory(username: str | None = None) -> Account:
        return await register(client, username)

    return factory


@pytest.fixture(scope="session")
def redis_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisClusterTopology]:
    """Three masters and three replicas of the session's own, for the backends' contract tests."""
    with RedisClusterTopology(tmp_path_factory.mktemp("redis-cluster")) as cluster:
        yield cluster


@pytest.fixture(scope="session")
def redis_sentinel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisSentinelTopology]:
    """A master, its replica and three sentinels of the session's own."""
    with RedisSentinelTopology(tmp_path_factory.mktemp("redis-sentinel")) as topology:
        yield topology


@pytest.fixture(scope="session")
def stack_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """PostgreSQL, a Redis and a MongoDB wire server of its own, two replicas, Nginx."""
    options = StackOptions(
        replicas=2,
        own_redis=True,
        own_mongo=True,
        workdir=tmp_path_factory.mktemp("stack"),
        extra_env={"WS_CONNECTIONS_PER_USER": "1000"},
        start_timeout=60 * TIMEOUT_UNIT,
    )
    with Stack(options) as running:
        yield running


@pytest.fixture
def stack(stack_session: Stack) -> Stack:
    """The session's stack, whole again: replicas, Redis and MongoDB running."""
    heal(stack_session)
    return stack_session


def stack_http_client(base_url: str) -> httpx.AsyncClient:
    """A client for the stack's Nginx or one replica (generous timeout: faults are injected)."""
    return httpx.AsyncClient(base_url=base_url, timeout=20 * TIMEOUT_UNIT, trust_env=False)


@pytest.fixture
async def front(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """HTTP through Nginx."""
    async with stack_http_client(stack.url) as http:
        yield http


@pytest.fixture
async def direct(stack: Stack) -> AsyncIterator[list[httpx.AsyncClient]]:
    """HTTP straight to each replica, by index."""
    clients = [stack_http_client(url) for url in stack.replica_urls]
    try:
        yield clients
    finally:
        for http in clients:
            await http.aclose()
