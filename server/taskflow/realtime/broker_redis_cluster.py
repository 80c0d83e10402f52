"""The Redis Cluster broker (`redis+cluster://`): sharded pub/sub, one board on one shard."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random

from redis.asyncio.cluster import ClusterPubSub, RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.event import (
    AsyncAfterSlotsCacheRefreshEvent,
    AsyncEventListenerInterface,
    EventDispatcher,
)
from redis.exceptions import RedisClusterException, RedisError

from taskflow.realtime.broker import MessageHandler, ReconnectHandler
from taskflow.realtime.broker_memory import _ignore_message, _ignore_reconnect
from taskflow.redis_clients import RedisTarget

log = logging.getLogger("taskflow.realtime")

# redis-py reads the shards' connections in turn, each for its share of this wait, so it bounds
# how long a message can sit on one shard while the reader waits on another.
POLL_SECONDS = 0.01
# What an unreachable cluster raises; RedisClusterException is not a RedisError.
UNREACHABLE = (RedisError, RedisClusterException, OSError)


class RedisClusterBroker:
    """SSUBSCRIBE/SPUBLISH on a Redis Cluster: at most once, and every topology change heals.

    A board's channel carries its id as a hash tag, so it lives on the shard that owns that
    slot and its messages stay on that shard instead of crossing the whole cluster bus.
    redis-py's `ClusterPubSub` keeps one connection per shard and moves channels to their new
    owner after a failover or a slot migration; what it cannot say is which messages passed in
    between. So every slots-cache refresh it makes, and every recovery from a read that failed
    on all shards, ends with `on_reconnect`, and the hub heals its rooms from the event log.
    """

    def __init__(self, target: RedisTarget, *, backoff_max: float = 2.0) -> None:
        self.target = target
        self.backoff_max = backoff_max
        self.channels: set[str] = set()
        self.on_message: MessageHandler = _ignore_message
        self.on_reconnect: ReconnectHandler = _ignore_reconnect
        self._cluster: RedisCluster | None = None
        self._pubsub: ClusterPubSub | None = None
        self._subscribed: set[str] = set()
        self._listener: asyncio.Task[None] | None = None
        self._heals: set[asyncio.Task[None]] = set()
        self._failing = False
        self._next_repair = 0.0
        self._next_warning = 0.0

    def set_handlers(self, *, on_message: MessageHandler, on_reconnect: ReconnectHandler) -> None:
        self.on_message, self.on_reconnect = on_message, on_reconnect

    async def connect(self) -> None:
        dispatcher = EventDispatcher()
        dispatcher.register_listeners({AsyncAfterSlotsCacheRefreshEvent: [_Topology(self)]})
        cluster = self.target.client(
            timeout=1.0,
            event_dispatcher=dispatcher,
            # A publish to a master that is failing over fails at once instead of backing off
            # for seconds under the request that made it: the sweep delivers that event.
            retry=Retry(NoBackoff(), 1),
        )
        assert isinstance(cluster, RedisCluster)
        self._cluster = cluster
        # Learn the slot map now, unhurried: a first publish would otherwise do it under the
        # hub's publish timeout, and on a slow machine be cancelled before it ever finished.
        # An unreachable cluster is not fatal; the reader keeps trying.
        with contextlib.suppress(*UNREACHABLE):
            await cluster.initialize()
        self._pubsub = cluster.pubsub()
        self._listener = asyncio.create_task(self._listen_forever())

    async def disconnect(self) -> None:
        tasks = [task for task in (self._listener, *self._heals) if task is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._pubsub is not None:
            with contextlib.suppress(Exception):
                await self._pubsub.aclose()
        if self._cluster is not None:
            await self._cluster.aclose()

    async def subscribe(self, channel: str) -> None:
        self.channels.add(channel)
        with contextlib.suppress(*UNREACHABLE):  # the reader subscribes it once it can
            await self._subscribe_missing()

    async def unsubscribe(self, channel: str) -> None:
        self.channels.discard(channel)
        if self._pubsub is not None and channel in self._subscribed:
            self._subscribed.discard(channel)
            with contextlib.suppress(*UNREACHABLE):
                await self._pubsub.sunsubscribe(channel)

    async def publish(self, channel: str, message: bytes) -> None:
        assert self._cluster is not None, "connect() first"
        await self._cluster.spublish(channel, message)

    async def ping(self) -> None:
        assert self._cluster is not None, "connect() first"
        await self._cluster.ping()
        if self._failing or self.channels - self._subscribed:
            raise ConnectionError("redis cluster pub/sub is not subscribed to every channel")

    async def _subscribe_missing(self) -> None:
        """SSUBSCRIBE what is wanted and not subscribed yet."""
        missing = self.channels - self._subscribed
        if self._pubsub is None or not missing:
            return
        await self._pubsub.ssubscribe(*missing)
        self._subscribed |= missing

    async def _listen_forever(self) -> None:
        assert self._pubsub is not None
        attempt = 0
        while True:
            try:
                await self._subscribe_missing()
                message = await self._pubsub.get_sharded_message(timeout=POLL_SECONDS)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the cluster, or every shard this replica listens to, failed
                now = asyncio.get_running_loop().time()
                if now >= self._next_warning:  # once per outage, not once per poll
                    log.warning("redis cluster pub/sub unavailable (retrying): %s", exc)
                self._next_warning = now + 10.0
                self._failing = True
                await self._repair_topology()
                attempt += 1
                delay = min(self.backoff_max, 0.05 * 2**attempt) * (0.5 + random.random())
                await asyncio.sleep(delay)
                continue
            attempt, self._failing = 0, False
            if message is None:
                continue
            channel = message["channel"].decode()
            if message["type"] == "smessage":
                await self.on_message(channel, message["data"])
            elif message["type"] == "sunsubscribe" and channel in self.channels:
                await self._moved(channel)

    async def _moved(self, channel: str) -> None:
        """The server dropped a channel we want: its slot moved to another master.

        Subscribing again sends SSUBSCRIBE where the slot map says; a master that no longer
        owns the slot answers MOVED, and redis-py re-routes the channel to the new owner.
        The slot map is refreshed too, which heals what was published meanwhile.
        """
        log.info("redis cluster moved %s to another shard; subscribing there", channel)
        self._subscribed.discard(channel)
        await self._repair_topology()

    async def _repair_topology(self) -> None:
        """Ask the cluster for its slot map now, at most once a second.

        redis-py does this itself every few seconds while a shard fails to answer; a replica
        that also publishes or writes presence to that shard finds out sooner. Asking at once
        moves the channels of a failed-over master as soon as the cluster has elected another,
        and the refresh ends in `topology_changed`, which heals.
        """
        assert self._cluster is not None
        now = asyncio.get_running_loop().time()
        if now < self._next_repair:
            return
        self._next_repair = now + 1.0
        try:
            await self._cluster.nodes_manager.initialize()
        except Exception as exc:
            log.debug("redis cluster slot map not refreshed yet: %s", exc)

    def topology_changed(self) -> None:
        """Called by redis-py after each slots-cache refresh (a failover, a migration)."""
        log.debug("redis cluster slot map refreshed; healing rooms from the event log")
        task = asyncio.get_running_loop().create_task(self._heal())
        self._heals.add(task)
        task.add_done_callback(self._heals.discard)

    async def _heal(self) -> None:
        await self.on_reconnect()


class _Topology(AsyncEventListenerInterface):
    def __init__(self, broker: RedisClusterBroker) -> None:
        self.broker = broker

    async def listen(self, event: object) -> None:
        self.broker.topology_changed()
