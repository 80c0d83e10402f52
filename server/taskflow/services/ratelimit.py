"""Sign-in throttling that slows a guesser without locking the account's owner out.

Three counters, shared across replicas when Redis is configured:

- per address: every attempt from one address, checked first (100 a minute);
- per account and address: failures against one account from one address; past the limit that
  pair waits, and the wait doubles with every further batch of failures (backoff);
- per account: failures from every address in an hour. Past its ceiling, only addresses that
  have signed in to the account before (in the last 30 days) may still try, so a botnet spread
  over many addresses cannot keep guessing, and still cannot lock the owner out.

No counter is keyed by the account alone in a way a stranger can fill to refuse the owner: the
owner's own address pair stays clean, and a known address passes the account ceiling.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from typing import Protocol

from redis.exceptions import RedisError

from taskflow.errors import RateLimited
from taskflow.redis_clients import RedisClient

log = logging.getLogger("taskflow.ratelimit")
WINDOW_SECONDS = 60
MAX_BACKOFF_SECONDS = 60 * 60
ACCOUNT_WINDOW_SECONDS = 60 * 60
KNOWN_ADDRESS_SECONDS = 30 * 24 * 60 * 60


class AttemptStore(Protocol):
    """Counters that expire; counts may be lost if the store restarts (throttling only)."""

    async def hit(self, key: str, ttl: float) -> int:
        """Count one more; a new key lives `ttl` seconds. The count, this hit included."""

    async def count(self, key: str) -> int:
        """The key's count, 0 once expired."""

    async def extend(self, key: str, ttl: float) -> None:
        """Make the key live at least `ttl` seconds from now."""

    async def take_back(self, key: str) -> None:
        """Undo one hit."""

    async def forget(self, key: str) -> None:
        """Drop the key."""


class MemoryAttemptStore:
    """One process's counters, bounded: past `max_keys` the key that expires first goes."""

    def __init__(self, max_keys: int = 50_000) -> None:
        self.max_keys = max_keys
        # Ordered by expiry only approximately (insertion order); enough to bound memory.
        self._keys: OrderedDict[str, tuple[int, float]] = OrderedDict()

    def _live(self, key: str) -> tuple[int, float] | None:
        entry = self._keys.get(key)
        if entry is not None and entry[1] <= time.monotonic():
            del self._keys[key]
            return None
        return entry

    async def hit(self, key: str, ttl: float) -> int:
        entry = self._live(key)
        count, until = (entry[0] + 1, entry[1]) if entry else (1, time.monotonic() + ttl)
        if entry is None:
            while len(self._keys) >= self.max_keys:
                self._keys.popitem(last=False)
        self._keys[key] = (count, until)
        return count

    async def count(self, key: str) -> int:
        entry = self._live(key)
        return entry[0] if entry else 0

    async def extend(self, key: str, ttl: float) -> None:
        entry = self._live(key)
        if entry is not None:
            self._keys[key] = (entry[0], max(entry[1], time.monotonic() + ttl))

    async def take_back(self, key: str) -> None:
        entry = self._live(key)
        if entry is not None and entry[0] > 0:
            self._keys[key] = (entry[0] - 1, entry[1])

    async def forget(self, key: str) -> None:
        self._keys.pop(key, None)


# DECR on a key that has expired would create it at -1, with no expiry.
_TAKE_BACK = (
    "if redis.call('exists', KEYS[1]) == 1 then return redis.call('decr', KEYS[1]) end return 0"
)


class RedisAttemptStore:
    def __init__(self, redis: RedisClient) -> None:
        self.redis = redis
        self._take_back = redis.register_script(_TAKE_BACK)

    @staticmethod
    def _name(key: str) -> str:
        return f"taskflow:login:{key}"

    async def hit(self, key: str, ttl: float) -> int:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(self._name(key))
            pipe.expire(self._name(key), max(1, int(ttl)), nx=True)
            count, _ = await pipe.execute()
        return int(count)

    async def count(self, key: str) -> int:
        return int(await self.redis.get(self._name(key)) or 0)

    async def extend(self, key: str, ttl: float) -> None:
        await self.redis.expire(self._name(key), max(1, int(ttl)), gt=True)

    async def take_back(self, key: str) -> None:
        await self._take_back(keys=[self._name(key)])

    async def forget(self, key: str) -> None:
        await self.redis.delete(self._name(key))


class LoginLimiter:
    """Decides, before the password is checked, whether this address may try this account.

    Every attempt is counted before the password is checked, so a burst of simultaneous
    guesses cannot all slip in under a limit; a successful sign-in takes its attempt back.
    """

    def __init__(
        self,
        store: AttemptStore,
        *,
        per_account: int,
        per_address: int,
        account_ceiling: int | None = None,
    ) -> None:
        self.store = store
        self.per_account = per_account
        self.per_address = per_address
        self.account_ceiling = account_ceiling or 10 * per_account

    async def attempt(self, *, username: str, address: str) -> None:
        """Count this attempt; RateLimited if this address must wait."""
        name = username.lower()
        try:
            await self._admit(name, address)
        except RedisError:
            log.warning("login limiter store unavailable; not throttling")

    async def _admit(self, name: str, address: str) -> None:
        if await self.store.hit(f"addr:{address}", WINDOW_SECONDS) > self.per_address:
            raise RateLimited("too many sign-in attempts from this address; try again in a minute")
        pair = f"pair:{name}:{address}"
        failures = await self.store.hit(pair, WINDOW_SECONDS)
        if failures > self.per_account:
            # Each further batch of `per_account` attempts doubles the wait of this pair only.
            doublings = min((failures - 1) // self.per_account, 16)
            await self.store.extend(pair, min(WINDOW_SECONDS * 2**doublings, MAX_BACKOFF_SECONDS))
            raise RateLimited("too many failed sign-in attempts; try again later")
        if await self.store.count(f"acct:{name}") >= self.account_ceiling and not (
            await self.store.count(f"known:{name}:{address}")
        ):
            raise RateLimited("too many failed sign-in attempts on this account; try again later")

    async def attempt_session(self, *, address: str) -> None:
        """Count a refresh or sign-out against the address alone (its secret cannot be guessed,
        so no per-account backoff: a dead cookie must not block a whole office's refreshes)."""
        try:
            if await self.store.hit(f"addr:{address}", WINDOW_SECONDS) > self.per_address:
                raise RateLimited("too many attempts from this address; try again in a minute")
        except RedisError:
            log.warning("login limiter store unavailable; not throttling")

    async def session_succeeded(self, *, address: str) -> None:
        """A valid session: its attempt is taken back, as a successful sign-in's is."""
        try:
            await self.store.take_back(f"addr:{address}")
        except RedisError:
            log.warning("login limiter store unavailable; attempt not given back")

    async def failed(self, *, username: str) -> None:
        """The password was wrong: one more failure against the account, from anywhere."""
        try:
            await self.store.hit(f"acct:{username.lower()}", ACCOUNT_WINDOW_SECONDS)
        except RedisError:
            log.warning("login limiter store unavailable; failure not counted")

    async def succeeded(self, *, username: str, address: str) -> None:
        """The owner is here: clear this address's failures and remember it for the account."""
        name = username.lower()
        try:
            await self.store.take_back(f"addr:{address}")
            await self.store.forget(f"pair:{name}:{address}")
            await self.store.hit(f"known:{name}:{address}", KNOWN_ADDRESS_SECONDS)
            await self.store.extend(f"known:{name}:{address}", KNOWN_ADDRESS_SECONDS)
        except RedisError:
            log.warning("login limiter store unavailable; attempt not given back")
