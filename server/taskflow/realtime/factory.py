"""Backends chosen by URL: `memory://` (or empty) and `redis://`."""

from __future__ import annotations

import os
import socket
import uuid

from redis.asyncio import Redis

from taskflow.config import Settings
from taskflow.realtime.broker import Broker
from taskflow.realtime.broker_memory import MemoryBroker
from taskflow.realtime.broker_redis import RedisBroker
from taskflow.realtime.presence import PresenceStore
from taskflow.realtime.presence_memory import MemoryPresence
from taskflow.realtime.presence_redis import RedisPresence


def replica_id(settings: Settings) -> str:
    return settings.replica_id or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


def make_broker(settings: Settings) -> Broker:
    if settings.uses_redis:
        return RedisBroker(settings.redis_url)
    return MemoryBroker()


def make_presence(settings: Settings, redis: Redis | None) -> PresenceStore:
    if settings.uses_redis and redis is not None:
        return RedisPresence(
            redis, replica_id=replica_id(settings), ttl=settings.presence_ttl_seconds
        )
    return MemoryPresence()
