"""The sign-in limiter (`services/ratelimit.py`): backoff per account and address, a ceiling per account
that known addresses pass, the address limit first, and a bounded in-memory store. One body runs
against the in-memory store and Redis (one server, a cluster, Sentinel);
tests/reliability/test_authentication.py drives the same rules through the HTTP route."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from devstack.redis import ensure_redis

from taskflow.errors import RateLimited
from taskflow.redis_clients import RedisTarget, close_client
from taskflow.services.ratelimit import (
    WINDOW_SECONDS,
    AttemptStore,
    LoginLimiter,
    MemoryAttemptStore,
    RedisAttemptStore,
)


@pytest.fixture(params=["memory", "redis", "cluster", "sentinel"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[AttemptStore]:
    if request.param == "memory":
        yield MemoryAttemptStore()
        return
    url = {
        "redis": ensure_redis,
        "cluster": lambda: request.getfixturevalue("redis_cluster").url,
        "sentinel": lambda: request.getfixturevalue("redis_sentinel").url,
    }[request.param]()
    redis = RedisTarget.from_url(url).client(timeout=2.0)
    try:
        yield RedisAttemptStore(redis)
    finally:
        await close_client(redis)


def name() -> str:
    return f"user-{uuid.uuid4().hex[:8]}"


async def refused(limiter: LoginLimiter, username: str, address: str) -> bool:
    try:
        await limiter.attempt(username=username, address=address)
    except RateLimited:
        return True
    return False


async def fail(limiter: LoginLimiter, username: str, address: str) -> bool:
    """One wrong password; whether the limiter refused it before the check."""
    if await refused(limiter, username, address):
        return True
    await limiter.failed(username=username)
    return False


async def test_a_guesser_backs_off_and_the_owner_elsewhere_signs_in(store: AttemptStore) -> None:
    limiter = LoginLimiter(store, per_account=3, per_address=1_000)
    victim = name()
    outcomes = [await fail(limiter, victim, "10.9.0.1") for _ in range(8)]
    assert outcomes == [False] * 3 + [True] * 5
    assert not await refused(limiter, victim, "10.9.0.2"), "the owner's address is not blocked"
    await limiter.succeeded(username=victim, address="10.9.0.2")


async def test_the_wait_doubles_with_every_further_batch_of_failures() -> None:
    store = MemoryAttemptStore()
    limiter = LoginLimiter(store, per_account=2, per_address=1_000)
    victim = name()
    pair = f"pair:{victim}:10.9.1.1"
    waits = []
    for _ in range(4):
        for _ in range(2):
            await fail(limiter, victim, "10.9.1.1")
        waits.append(store._keys[pair][1])
    assert waits[1] < waits[2] < waits[3]
    assert waits[3] - waits[2] > WINDOW_SECONDS  # 4x then 8x the window: the gap grows


async def test_past_the_account_ceiling_only_known_addresses_may_try(store: AttemptStore) -> None:
    limiter = LoginLimiter(store, per_account=2, per_address=1_000, account_ceiling=4)
    victim = name()
    await limiter.attempt(username=victim, address="10.9.2.1")
    await limiter.succeeded(username=victim, address="10.9.2.1")  # the owner's usual address
    for index in range(4):  # a botnet: every address under its own limit
        assert not await fail(limiter, victim, f"10.9.3.{index}")
    assert await refused(limiter, victim, "10.9.3.200"), "a new address is refused"
    assert not await refused(limiter, victim, "10.9.2.1"), "the owner's known address is not"


async def test_the_address_limit_is_checked_first_and_names_no_key() -> None:
    store = MemoryAttemptStore()
    limiter = LoginLimiter(store, per_account=10, per_address=5)
    for index in range(5):
        assert not await fail(limiter, f"guess{index}", "10.9.4.1")
    keys = len(store._keys)
    for index in range(50):
        assert await refused(limiter, f"more{index}", "10.9.4.1")
    assert len(store._keys) == keys, "refused by address: no key per attacker-chosen name"


async def test_the_memory_store_is_bounded() -> None:
    store = MemoryAttemptStore(max_keys=1_000)
    limiter = LoginLimiter(store, per_account=10, per_address=100_000)
    for index in range(5_000):
        await fail(limiter, f"name{index}", "10.9.5.1")
    assert len(store._keys) <= 1_000


async def test_a_success_forgets_the_failures_of_its_address(store: AttemptStore) -> None:
    limiter = LoginLimiter(store, per_account=3, per_address=1_000)
    owner = name()
    for _ in range(2):
        await fail(limiter, owner, "10.9.6.1")
    await limiter.attempt(username=owner, address="10.9.6.1")
    await limiter.succeeded(username=owner, address="10.9.6.1")
    assert [await fail(limiter, owner, "10.9.6.1") for _ in range(4)] == [False] * 3 + [True]
