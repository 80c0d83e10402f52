"""The Redis broker (`redis://`, `redis+sentinel://`): pub/sub between replicas, reconnecting."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from taskflow.realtime.broker import MessageHandler, ReconnectHandler
from taskflow.realtime.broker_memory import _ignore_message, _ignore_reconnect
from taskflow.redis_clients import RedisTarget, close_client

log = logging.getLogger("taskflow.realtime")


class RedisBroker:
    """Redis pub/sub: at most once, so every interruption ends with `on_reconnect`.

    The channels this replica wants are kept here, not only in Redis, so that after a lost
    connection (Redis restart, `CLIENT KILL TYPE pubsub`) the listener subscribes to all of them
    again before it tells the hub to heal from the event log. Behind Sentinel every new
    connection asks for the current master, so after a failover the listener lands there.
    """

    def __init__(self, target: RedisTarget, *, backoff_max: float = 2.0) -> None:
        self.target = target
        self.backoff_max = backoff_max
        self.channels: set[str] = set()
        self.on_message: MessageHandler = _ignore_message
        self.on_reconnect: ReconnectHandler = _ignore_reconnect
        self._publisher: Redis | None = None
        self._subscriber: Redis | None = None
        self._pubsub: PubSub | None = None
        self._listener: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()

    def set_handlers(self, *, on_message: MessageHandler, on_reconnect: ReconnectHandler) -> None:
        self.on_message, self.on_reconnect = on_message, on_reconnect

    async def connect(self) -> None:
        publisher = self.target.client(timeout=1.0, health_check_interval=0)
        assert isinstance(publisher, Redis), "redis+cluster:// has a broker of its own"
        self._publisher = publisher
        # Pub/sub connections come from a client of their own: its pool is reset after a loss.
        self._subscriber = self.target.node_client(
            socket_connect_timeout=1.0, health_check_interval=0
        )
        self._listener = asyncio.create_task(self._listen_forever())

    async def disconnect(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._listener
        await self._close_pubsub()
        for client in (self._subscriber, self._publisher):
            if client is not None:
                await close_client(client)

    async def subscribe(self, channel: str) -> None:
        self.channels.add(channel)
        if self._pubsub is not None and self._connected.is_set():
            try:
                await self._pubsub.subscribe(channel)
            except (RedisError, OSError) as exc:
                log.warning("subscribe %s failed (will retry on reconnect): %s", channel, exc)

    async def unsubscribe(self, channel: str) -> None:
        self.channels.discard(channel)
        if self._pubsub is not None and self._connected.is_set():
            with contextlib.suppress(RedisError, OSError):
                await self._pubsub.unsubscribe(channel)

    async def publish(self, channel: str, message: bytes) -> None:
        assert self._publisher is not None, "connect() first"
        await self._publisher.publish(channel, message)

    async def ping(self) -> None:
        assert self._publisher is not None, "connect() first"
        await self._publisher.ping()
        if not self._connected.is_set():
            raise ConnectionError("redis pub/sub is not subscribed")

    async def _listen_forever(self) -> None:
        attempt = 0
        first = True
        while True:
            try:
                await self._open_pubsub()
                attempt = 0
                if not first:
                    await self.on_reconnect()
                first = False
                await self._pump()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("redis pub/sub connection lost: %s", exc)
            self._connected.clear()
            await self._close_pubsub()
            first = False
            attempt += 1
            delay = min(self.backoff_max, 0.05 * 2**attempt) * (0.5 + random.random())
            await asyncio.sleep(delay)

    async def _open_pubsub(self) -> None:
        assert self._subscriber is not None, "connect() first"
        pubsub = self._subscriber.pubsub(ignore_subscribe_messages=False)
        self._pubsub = pubsub
        # A dedicated channel keeps the connection subscribed while no board is.
        wanted = set(self.channels)
        await pubsub.subscribe("taskflow:heartbeat", *wanted)
        self._connected.set()
        # Rooms opened while that subscribe was in flight were not in the snapshot.
        late = self.channels - wanted
        if late:
            await pubsub.subscribe(*late)

    async def _pump(self) -> None:
        pubsub = self._pubsub
        assert pubsub is not None
        while True:
            message = await pubsub.get_message(timeout=5.0)
            if message is None:
                await pubsub.ping()
                continue
            kind = message["type"]
            if kind not in ("message", "unsubscribe"):
                continue  # subscribe confirmations and the keepalive's pong
            channel = message["channel"].decode()
            if kind == "message":
                await self.on_message(channel, message["data"])
            elif kind == "unsubscribe" and channel in self.channels:
                # Someone wanted it again while the unsubscribe was in flight.
                await pubsub.subscribe(channel)

    async def _close_pubsub(self) -> None:
        pubsub, self._pubsub = self._pubsub, None
        if pubsub is not None:
            with contextlib.suppress(Exception):
                await pubsub.aclose()
            with contextlib.suppress(Exception):
                await pubsub.connection_pool.disconnect()
