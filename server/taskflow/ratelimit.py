"""Sign-in throttling: failed attempts counted per account and per address, shared across replicas."""

from __future__ import annotations

import logging
import time
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from taskflow.errors import RateLimited

log = logging.getLogger("taskflow.ratelimit")
WINDOW_SECONDS = 60


class WindowCounter(Protocol):
    """Counts hits per key within a fixed window; counts may be lost if the store restarts."""

    async def count(self, key: str) -> int: ...

    async def hit(self, key: str) -> None: ...


class MemoryWindowCounter:
    def __init__(self, window: int = WINDOW_SECONDS) -> None:
        self.window = window
        self._hits: dict[str, tuple[int, float]] = {}

    async def count(self, key: str) -> int:
        hits, until = self._hits.get(key, (0, 0.0))
        return hits if until > time.monotonic() else 0

    async def hit(self, key: str) -> None:
        now = time.monotonic()
        if len(self._hits) > 100_000:
            self._hits = {k: v for k, v in self._hits.items() if v[1] > now}
        hits, until = self._hits.get(key, (0, 0.0))
        self._hits[key] = (hits + 1, until) if until > now else (1, now + self.window)


class RedisWindowCounter:
    def __init__(self, redis: Redis, window: int = WINDOW_SECONDS) -> None:
        self.redis = redis
        self.window = window

    async def count(self, key: str) -> int:
        value = await self.redis.get(f"taskflow:login:{key}")
        return int(value or 0)

    async def hit(self, key: str) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(f"taskflow:login:{key}")
            pipe.expire(f"taskflow:login:{key}", self.window, nx=True)
            await pipe.execute()


class LoginLimiter:
    """Refuses sign-in once an account or an address has too many recent failures."""

    def __init__(self, counter: WindowCounter, *, per_account: int, per_address: int) -> None:
        self.counter = counter
        self.per_account = per_account
        self.per_address = per_address

    async def check(self, *, username: str, address: str) -> None:
        try:
            account = await self.counter.count(f"user:{username.lower()}")
            by_address = await self.counter.count(f"addr:{address}")
        except RedisError:
            log.warning("login limiter store unavailable; not throttling")
            return
        if account >= self.per_account or by_address >= self.per_address:
            raise RateLimited("too many failed sign-in attempts; try again in a minute")

    async def failed(self, *, username: str, address: str) -> None:
        try:
            await self.counter.hit(f"user:{username.lower()}")
            await self.counter.hit(f"addr:{address}")
        except RedisError:
            log.warning("login limiter store unavailable; failure not counted")
