"""One contract, every presence store: in memory and in Redis (with expiry of a dead replica)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from redis.asyncio import Redis

from devstack import RedisServer
from taskflow.realtime.presence import PresenceStore
from taskflow.realtime.presence_memory import MemoryPresence
from taskflow.realtime.presence_redis import RedisPresence

ALICE = {"id": 1, "username": "alice"}
BOB = {"id": 2, "username": "bob"}


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    with RedisServer() as server:
        yield server


@pytest.fixture
async def redis(redis_server: RedisServer) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_server.url)
    await client.flushall()
    yield client
    await client.aclose()


@pytest.fixture(params=["memory", "redis"])
async def store(request: pytest.FixtureRequest, redis: Redis) -> AsyncIterator[PresenceStore]:
    instance: Any
    if request.param == "memory":
        instance = MemoryPresence()
    else:
        instance = RedisPresence(redis, replica_id="r1", ttl=5)
    yield instance
    await instance.close()


async def test_set_replace_and_clear(store: PresenceStore) -> None:
    await store.set_local(1, [BOB, ALICE])
    assert await store.users(1) == [ALICE, BOB]
    await store.set_local(1, [BOB])
    assert await store.users(1) == [BOB]
    assert await store.users(2) == []
    await store.set_local(1, [])
    assert await store.users(1) == []


async def test_users_on_two_replicas_count_once(redis: Redis) -> None:
    first = RedisPresence(redis, replica_id="a", ttl=5)
    second = RedisPresence(redis, replica_id="b", ttl=5)
    await first.set_local(3, [ALICE])
    await second.set_local(3, [ALICE, BOB])
    assert await first.users(3) == [ALICE, BOB]
    await second.set_local(3, [])
    assert await first.users(3) == [ALICE]
    await first.close()
    assert await second.users(3) == []


async def test_a_replica_that_stops_refreshing_expires(redis: Redis) -> None:
    alive = RedisPresence(redis, replica_id="alive", ttl=1.0)
    dead = RedisPresence(redis, replica_id="dead", ttl=1.0)
    await alive.set_local(4, [ALICE])
    await dead.set_local(4, [BOB])
    assert await alive.users(4) == [ALICE, BOB]
    for _ in range(3):
        await asyncio.sleep(0.5)
        await alive.refresh({4: [ALICE]})
    assert await alive.users(4) == [ALICE]
