"""PostgreSQL stopped and started again, under one replica: 503 while down, back by itself.

A stopped database makes `/readyz` and every request answer 503, never 500; commands on open
sockets answer `unavailable`. The machine's shared PostgreSQL (:5432) is never touched: this
runs on a throwaway cluster (devstack.PostgresCluster) with a replica of its own.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from devstack.taskflow_cli import run_migrations
from devstack.watcher import Watcher

from devstack import PostgresCluster, Replica, create_database
from tests.conftest import TIMEOUT_UNIT, Account, register
from tests.conftest import stack_http_client as http_client
from tests.support.live import new_board, open_live


@pytest.fixture
def lone_database(tmp_path: Path) -> Iterator[tuple[PostgresCluster, Replica]]:
    """A throwaway PostgreSQL cluster and one replica on it (no Redis, no MongoDB)."""
    with PostgresCluster(workdir=None) as cluster:
        url = create_database(cluster.url, "taskflow")
        env = {"DATABASE_URL": url, "ENVIRONMENT": "test", "REDIS_URL": "", "MONGODB_URI": ""}
        run_migrations(env, cwd=tmp_path)
        replica = Replica(env=env, workdir=tmp_path / "replica", name="lone")
        replica.start(timeout=30 * TIMEOUT_UNIT)
        try:
            yield cluster, replica
        finally:
            replica.stop()


async def until_status(http: httpx.AsyncClient, path: str, status: int, **kwargs: Any) -> float:
    """Poll until GET `path` answers `status`; seconds it took (bounded)."""
    started = time.monotonic()
    while True:
        response = await http.get(path, **kwargs)
        if response.status_code == status:
            return time.monotonic() - started
        assert time.monotonic() - started < 20 * TIMEOUT_UNIT, (path, response.status_code)
        await asyncio.sleep(0.1)


async def test_database_restart_answers_503_then_recovers_by_itself(
    lone_database: tuple[PostgresCluster, Replica],
) -> None:
    cluster, replica = lone_database
    async with http_client(replica.url) as http:
        owner = await register(http, "pg_restart")
        board = (await new_board(http, owner))["id"]
        watcher = await Watcher("lone", replica.url, board, owner.token).start()
        try:
            first = await watcher.command("task.create", {"title": "before"}, "before")
            assert first["type"] == "ack"
            try:
                await asyncio.to_thread(cluster.stop)
                handshake = await refused_while_down(http, watcher, replica, owner, board)
            finally:
                await asyncio.to_thread(cluster.start)
            recovered = await until_status(http, "/readyz", 200)
            snapshot = await http.get(f"/api/boards/{board}", headers=owner.headers)
            assert snapshot.status_code == 200, snapshot.text
            retried = await watcher.command("task.create", {"title": "down"}, "down again")
            assert retried["type"] == "ack", retried
            await watcher.wait_seq(retried["seq"], timeout=10)
            assert [event["seq"] for event in watcher.events] == [1, 2]
        finally:
            await watcher.close()
    # Like REST's 503, a socket opened while the database is down must be told why and to come
    # back (1013, try again later), not dropped without a close frame (1006).
    assert handshake == 1013, f"a socket opened while the database was down: close {handshake}"
    print(f"postgres restart: /readyz 200 again {recovered:.2f} s after the database was back")


async def refused_while_down(
    http: httpx.AsyncClient, watcher: Watcher, replica: Replica, owner: Account, board: int
) -> int:
    """Check every way in answers 503 / `unavailable`; the close code a new socket gets."""
    ready = await http.get("/readyz")
    assert ready.status_code == 503 and ready.json()["failing"] == ["database"], ready.text
    assert "database" in ready.json()["detail"]
    assert (await http.get("/healthz")).status_code == 200
    for method, path, kwargs in (
        ("GET", "/api/users/me", {"headers": owner.headers}),
        ("GET", f"/api/boards/{board}", {"headers": owner.headers}),
        ("POST", f"/api/boards/{board}/tasks", {"headers": owner.headers, "json": {"title": "down"}}),
        ("POST", "/api/auth/token", {"data": {"username": owner.username, "password": owner.password}}),
        ("POST", "/api/users", {"json": {"username": "pg_newcomer", "email": "n@example.com", "password": "long enough"}}),
    ):  # fmt: skip
        response = await http.request(method, path, **kwargs)
        assert response.status_code == 503, (method, path, response.text)
        assert response.json() == {"detail": "database unavailable, try again"}
    down = await watcher.command("task.create", {"title": "down"}, "down")
    assert (down["type"], down["code"]) == ("error", "unavailable"), down
    refused = await open_live(replica.url, board, owner.token)
    try:
        return await refused.close_code()
    except AssertionError:  # no close frame at all
        return 1006
    finally:
        await refused.close()
