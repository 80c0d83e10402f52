"""Backends chosen by URL: `memory://` (or empty), `redis://`, `redis+sentinel://`, `redis+cluster://`."""

from __future__ import annotations

import os
import socket
import uuid

from taskflow.config import Settings
from taskflow.realtime.broker import Broker
from taskflow.realtime.broker_memory import MemoryBroker
from taskflow.realtime.broker_redis import RedisBroker
from taskflow.realtime.broker_redis_cluster import RedisClusterBroker
from taskflow.realtime.presence import PresenceStore
from taskflow.realtime.presence_memory import MemoryPresence
from taskflow.realtime.presence_redis import RedisPresence
from taskflow.redis_clients import RedisClient, RedisTarget


def replica_id(settings: Settings) -> str:
    return settings.replica_id or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


def make_broker(settings: Settings) -> Broker:
    if not settings.uses_redis:
        return MemoryBroker()
    target = RedisTarget.from_url(settings.redis_url)
    if target.topology == "cluster":
        return RedisClusterBroker(target)
    return RedisBroker(target)


def make_presence(settings: Settings, redis: RedisClient | None) -> PresenceStore:
    if settings.uses_redis and redis is not None:
        return RedisPresence(
            redis, replica_id=replica_id(settings), ttl=settings.presence_ttl_seconds
        )
    return MemoryPresence()
