"""Presence spans replicas; a crashed replica's users leave it within 10 s, and nobody else does."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from devstack import Stack
from tests.cluster.cluster import new_account
from tests.cluster.conftest import Subscribe
from tests.conftest import TIMEOUT_UNIT
from tests.support.live import add_member, new_board

pytestmark = pytest.mark.cluster

CRASH_DEPARTURE_LIMIT = 10.0
# Each replica refreshes its presence entries every TTL/3 (6 s / 3).
PRESENCE_REFRESH = 2.0


async def test_presence_spans_replicas_and_a_killed_replicas_users_leave_it(
    stack: Stack, front: httpx.AsyncClient, subscribe: Subscribe
) -> None:
    alice, bob, carol = await asyncio.gather(
        *(new_account(front, name) for name in ("alice", "bob", "carol"))
    )
    board = int((await new_board(front, alice, "presence"))["id"])
    for member in (bob, carol):
        await add_member(front, alice, board, member, "viewer")
    a, b, c = alice.username, bob.username, carol.username

    on_first = await subscribe("alice on replica 0", stack.replicas[0].url, board, alice)
    on_second = await subscribe("bob on replica 1", stack.replicas[1].url, board, bob)
    # The hello of a later subscriber already lists who is on the other replica.
    assert on_second.presences[0][1] == {a, b}, on_second.presences
    await on_first.wait_presence({a, b})

    via_nginx = await subscribe("carol via nginx", stack.url, board, carol)
    assert via_nginx.presences[0][1] == {a, b, c}, via_nginx.presences
    await asyncio.gather(on_first.wait_presence({a, b, c}), on_second.wait_presence({a, b, c}))
    await via_nginx.close()
    await asyncio.gather(on_first.wait_presence({a, b}), on_second.wait_presence({a, b}))

    # A crash: replica 0 says nothing, so only the TTL of its entries takes alice away.
    await asyncio.to_thread(stack.kill_replica, 0)
    killed_at = time.monotonic()
    left_at = await on_second.wait_presence({b}, timeout=CRASH_DEPARTURE_LIMIT + 5)
    departure = left_at - killed_at
    print(f"presence: alice left {departure:.2f} s after replica 0 was killed")
    assert departure <= CRASH_DEPARTURE_LIMIT * TIMEOUT_UNIT, (
        f"alice stayed present {departure:.2f} s after her replica was killed"
    )
    assert on_first.ended is not None, "alice's socket survived a kill -9 of its replica"


async def test_a_redis_outage_makes_no_connected_user_vanish_from_presence(
    stack: Stack, front: httpx.AsyncClient, subscribe: Subscribe
) -> None:
    alice, bob, carol = await asyncio.gather(
        *(new_account(front, name) for name in ("alice", "bob", "carol"))
    )
    board = int((await new_board(front, alice, "presence"))["id"])
    for member in (bob, carol):
        await add_member(front, alice, board, member, "viewer")
    a, b, c = alice.username, bob.username, carol.username
    on_first = await subscribe("alice on replica 0", stack.replicas[0].url, board, alice)
    on_second = await subscribe("bob on replica 1", stack.replicas[1].url, board, bob)
    await asyncio.gather(on_first.wait_presence({a, b}), on_second.wait_presence({a, b}))
    settled = [len(on_first.presences), len(on_second.presences)]

    await asyncio.to_thread(stack.stop_redis)
    stopped_at = time.monotonic()
    try:
        # Someone arrives while the store is gone: alice and bob are still connected throughout.
        late = await subscribe("carol on replica 0", stack.replicas[0].url, board, carol)
        await asyncio.sleep(0.5)
    finally:
        await asyncio.to_thread(stack.start_redis)
    restarted_at = time.monotonic()
    # The restarted Redis is empty: each replica must register its users again.
    await asyncio.sleep(PRESENCE_REFRESH * 2)
    await asyncio.gather(
        *(subscriber.wait_presence({a, b, c}) for subscriber in (on_first, on_second, late))
    )

    for subscriber, seen in ((on_first, settled[0]), (on_second, settled[1]), (late, 0)):
        vanished = [
            (f"{at - stopped_at:+.2f} s", sorted(users))
            for at, users in subscriber.presences[seen:]
            if not {a, b} <= users
        ]
        assert not vanished, (
            f"{subscriber.name}: hello/presence frames without alice or bob, who never left "
            f"(Redis stopped at +0 s, started at +{restarted_at - stopped_at:.2f} s): {vanished}"
        )
