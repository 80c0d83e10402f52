"""One contract, every presence store: in memory and in Redis (with expiry of a dead replica), the
Redis ones on one server, on a cluster and behind Sentinel."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest

from devstack import RedisServer
from taskflow.realtime.presence import PresenceStore
from taskflow.realtime.presence_memory import MemoryPresence
from taskflow.realtime.presence_redis import RedisPresence
from taskflow.redis_clients import RedisClient, RedisTarget, close_client

ALICE = {"id": 1, "username": "alice"}
BOB = {"id": 2, "username": "bob"}


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    with RedisServer() as server:
        yield server


def topology_url(request: pytest.FixtureRequest, kind: str) -> str:
    """The URL of the session's Redis of this kind: one server, a cluster, or Sentinel's."""
    fixture = {"redis": "redis_server", "cluster": "redis_cluster", "sentinel": "redis_sentinel"}
    return str(request.getfixturevalue(fixture[kind]).url)


@pytest.fixture(params=["redis", "cluster", "sentinel"])
async def redis(request: pytest.FixtureRequest) -> AsyncIterator[RedisClient]:
    client = RedisTarget.from_url(topology_url(request, request.param)).client(timeout=2.0)
    await client.flushall()
    yield client
    await close_client(client)


@pytest.fixture(params=["memory", "redis", "cluster", "sentinel"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[PresenceStore]:
    if request.param == "memory":
        yield MemoryPresence()
        return
    client = RedisTarget.from_url(topology_url(request, request.param)).client(timeout=2.0)
    await client.flushall()
    instance = RedisPresence(client, replica_id="r1", ttl=5)
    yield instance
    await instance.close()
    await close_client(client)


async def test_set_replace_and_clear(store: PresenceStore) -> None:
    await store.set_local(1, [BOB, ALICE])
    assert await store.users(1) == [ALICE, BOB]
    await store.set_local(1, [BOB])
    assert await store.users(1) == [BOB]
    assert await store.users(2) == []
    await store.set_local(1, [])
    assert await store.users(1) == []


async def test_users_on_two_replicas_count_once(redis: RedisClient) -> None:
    first = RedisPresence(redis, replica_id="a", ttl=5)
    second = RedisPresence(redis, replica_id="b", ttl=5)
    await first.set_local(3, [ALICE])
    await second.set_local(3, [ALICE, BOB])
    assert await first.users(3) == [ALICE, BOB]
    await second.set_local(3, [])
    assert await first.users(3) == [ALICE]
    await first.close()
    assert await second.users(3) == []


async def test_a_replica_that_stops_refreshing_expires(redis: RedisClient) -> None:
    alive = RedisPresence(redis, replica_id="alive", ttl=1.0)
    dead = RedisPresence(redis, replica_id="dead", ttl=1.0)
    await alive.set_local(4, [ALICE])
    await dead.set_local(4, [BOB])
    assert await alive.users(4) == [ALICE, BOB]
    for _ in range(3):
        await asyncio.sleep(0.5)
        await alive.refresh({4: [ALICE]})
    assert await alive.users(4) == [ALICE]
