"""One contract, every broker: `memory://`, `redis://` (a throwaway Redis we can kill), a Redis
Cluster (`redis+cluster://`, sharded pub/sub) and Sentinel (`redis+sentinel://`)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from devstack.redis_cluster import RedisClusterTopology
from devstack.redis_sentinel import RedisSentinelTopology
from redis.asyncio import Redis

from devstack import RedisServer
from taskflow.realtime.broker import Broker, board_channel
from taskflow.realtime.broker_memory import MemoryBroker
from taskflow.realtime.broker_redis import RedisBroker
from taskflow.realtime.broker_redis_cluster import RedisClusterBroker
from taskflow.redis_clients import RedisTarget
from tests.conftest import TIMEOUT_UNIT


class Inbox:
    def __init__(self) -> None:
        self.messages: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue()
        self.reconnects = 0

    async def on_message(self, channel: str, message: bytes) -> None:
        await self.messages.put((channel, message))

    async def on_reconnect(self) -> None:
        self.reconnects += 1

    async def next(self, timeout: float = 5.0) -> tuple[str, bytes]:
        return await asyncio.wait_for(self.messages.get(), timeout * TIMEOUT_UNIT)


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    with RedisServer() as server:
        yield server


def make_broker(request: pytest.FixtureRequest, kind: str) -> Broker:
    if kind == "memory":
        return MemoryBroker()
    if kind == "cluster":
        cluster: RedisClusterTopology = request.getfixturevalue("redis_cluster")
        return RedisClusterBroker(RedisTarget.from_url(cluster.url))
    if kind == "sentinel":
        sentinel: RedisSentinelTopology = request.getfixturevalue("redis_sentinel")
        return RedisBroker(RedisTarget.from_url(sentinel.url))
    server: RedisServer = request.getfixturevalue("redis_server")
    return RedisBroker(RedisTarget.from_url(server.url))


@pytest.fixture(params=["memory", "redis", "cluster", "sentinel"])
async def broker(request: pytest.FixtureRequest) -> AsyncIterator[tuple[Broker, Inbox]]:
    inbox = Inbox()
    instance = make_broker(request, request.param)
    instance.set_handlers(on_message=inbox.on_message, on_reconnect=inbox.on_reconnect)
    await instance.connect()
    yield instance, inbox
    await instance.disconnect()


async def wait_subscribed(broker: Broker) -> None:
    for _ in range(200):
        try:
            await broker.ping()
            return
        except Exception:
            await asyncio.sleep(0.02)
    raise AssertionError("broker never became ready")


async def test_delivers_once_per_subscribed_channel_in_order(broker: tuple[Broker, Inbox]) -> None:
    instance, inbox = broker
    await wait_subscribed(instance)
    await instance.subscribe(board_channel(1))
    await instance.publish(board_channel(2), b"not subscribed")
    for index in range(20):
        await instance.publish(board_channel(1), f"m{index}".encode())
    received = [await inbox.next() for _ in range(20)]
    assert received == [(board_channel(1), f"m{index}".encode()) for index in range(20)]
    await instance.unsubscribe(board_channel(1))
    await instance.publish(board_channel(1), b"after unsubscribe")
    await instance.publish(board_channel(3), b"x")
    with pytest.raises(TimeoutError):
        await inbox.next(timeout=0.3)


@pytest.mark.parametrize("kind", ["redis", "cluster", "sentinel"])
async def test_redis_fans_out_between_two_replicas(
    request: pytest.FixtureRequest, kind: str
) -> None:
    inboxes = [Inbox(), Inbox()]
    brokers = [make_broker(request, kind) for _ in inboxes]
    for instance, inbox in zip(brokers, inboxes, strict=True):
        instance.set_handlers(on_message=inbox.on_message, on_reconnect=inbox.on_reconnect)
        await instance.connect()
        await wait_subscribed(instance)
        await instance.subscribe(board_channel(7))
    await asyncio.sleep(0.1)
    await brokers[0].publish(board_channel(7), b"hello")
    for inbox in inboxes:
        assert await inbox.next() == (board_channel(7), b"hello")
    for instance in brokers:
        await instance.disconnect()


async def test_redis_broker_resubscribes_after_client_kill_and_restart(
    redis_server: RedisServer,
) -> None:
    inbox = Inbox()
    broker = RedisBroker(RedisTarget.from_url(redis_server.url), backoff_max=0.2)
    broker.set_handlers(on_message=inbox.on_message, on_reconnect=inbox.on_reconnect)
    await broker.connect()
    await wait_subscribed(broker)
    await broker.subscribe(board_channel(9))
    admin = Redis.from_url(redis_server.url)
    await admin.execute_command("CLIENT", "KILL", "TYPE", "pubsub")
    await admin.aclose()
    await _until(lambda: inbox.reconnects >= 1)
    await wait_subscribed(broker)
    await broker.publish(board_channel(9), b"after kill")
    assert await inbox.next() == (board_channel(9), b"after kill")

    await asyncio.get_running_loop().run_in_executor(None, redis_server.restart)
    await _until(lambda: inbox.reconnects >= 2, timeout=15)
    await wait_subscribed(broker)
    await broker.publish(board_channel(9), b"after restart")
    assert await inbox.next() == (board_channel(9), b"after restart")
    await broker.disconnect()


async def _until(condition: Any, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout * TIMEOUT_UNIT
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)
