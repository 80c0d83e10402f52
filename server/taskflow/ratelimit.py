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

    async def hit(self, key: str) -> int:
        """Count one more hit; the key's count in this window, this hit included."""

    async def release(self, key: str) -> None:
        """Take one hit back."""


class MemoryWindowCounter:
    def __init__(self, window: int = WINDOW_SECONDS) -> None:
        self.window = window
        self._hits: dict[str, tuple[int, float]] = {}

    async def hit(self, key: str) -> int:
        now = time.monotonic()
        if len(self._hits) > 100_000:
            self._hits = {k: v for k, v in self._hits.items() if v[1] > now}
        hits, until = self._hits.get(key, (0, 0.0))
        self._hits[key] = (hits + 1, until) if until > now else (1, now + self.window)
        return self._hits[key][0]

    async def release(self, key: str) -> None:
        hits, until = self._hits.get(key, (0, 0.0))
        if hits > 0:
            self._hits[key] = (hits - 1, until)


class RedisWindowCounter:
    def __init__(self, redis: Redis, window: int = WINDOW_SECONDS) -> None:
        self.redis = redis
        self.window = window

    async def hit(self, key: str) -> int:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(f"taskflow:login:{key}")
            pipe.expire(f"taskflow:login:{key}", self.window, nx=True)
            count, _ = await pipe.execute()
        return int(count)

    async def release(self, key: str) -> None:
        await self.redis.decr(f"taskflow:login:{key}")


class LoginLimiter:
    """Refuses sign-in once an account or an address has too many recent failures.

    Every attempt is counted before the password is checked, so a burst of simultaneous guesses
    cannot all slip in under the limit; a successful sign-in takes its attempt back.
    """

    def __init__(self, counter: WindowCounter, *, per_account: int, per_address: int) -> None:
        self.counter = counter
        self.per_account = per_account
        self.per_address = per_address

    async def attempt(self, *, username: str, address: str) -> None:
        try:
            account = await self.counter.hit(f"user:{username.lower()}")
            by_address = await self.counter.hit(f"addr:{address}")
        except RedisError:
            log.warning("login limiter store unavailable; not throttling")
            return
        if account > self.per_account or by_address > self.per_address:
            raise RateLimited("too many failed sign-in attempts; try again in a minute")

    async def succeeded(self, *, username: str, address: str) -> None:
        try:
            await self.counter.release(f"user:{username.lower()}")
            await self.counter.release(f"addr:{address}")
        except RedisError:
            log.warning("login limiter store unavailable; attempt not given back")
