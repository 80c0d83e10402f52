"""Redis going away mid-stream: writes go on, and every subscriber still gets every event once.

Also what an operator sees of the broker: /readyz, and pub/sub connections that stay up when idle.
"""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from devstack.watcher import Watcher, wait_all
from redis.asyncio import Redis

from devstack import Stack
from taskflow.realtime.broker import board_channel
from tests.cluster.cluster import (
    Team,
    assert_acked,
    assert_all_succeeded,
    board_seq,
    readiness,
    rest_writes,
    ws_writes,
)
from tests.cluster.conftest import Subscribe
from tests.conftest import TIMEOUT_UNIT
from tests.support.delivery import assert_exactly_once_in_order, assert_same_frames, delivery_spread
from tests.support.live import create_task

pytestmark = pytest.mark.cluster

# Per writer; with two writers the board stays far below the 1,000 events the log must keep,
# so any `resync` would be a failure to heal, not retention.
STREAM_LIMIT = 200
# The hub sweeps every second; the margin is for a loaded machine.
SWEEP_LIMIT = 2.5
# The broker pings its pub/sub connection after 5 s without a message.
KEEPALIVE_WAIT = 8.0


async def subscribers_everywhere(stack: Stack, team: Team, subscribe: Subscribe) -> list[Watcher]:
    """The owner and the editor on each replica, and the owner through Nginx."""
    subscribers = [
        await subscribe(f"replica {index} {role}", replica.url, team.board_id, who)
        for index, replica in enumerate(stack.replicas)
        for role, who in (("owner", team.owner), ("editor", team.editor))
    ]
    return [*subscribers, await subscribe("nginx owner", stack.url, team.board_id, team.owner)]


def write_stream(
    direct: list[httpx.AsyncClient], team: Team, stop: asyncio.Event, gate: asyncio.Lock
) -> asyncio.Future[list[list[tuple[str, int]]]]:
    """REST writes straight to each replica, one every ~50 ms per replica, until `stop`;
    holding `gate` pauses them."""
    return asyncio.gather(
        *(
            rest_writes(http, who, team.board_id, STREAM_LIMIT, f"stream {index}", gate, 0.05, stop)
            for index, (http, who) in enumerate(zip(direct, (team.owner, team.editor), strict=True))
        )
    )


async def finish(
    front: httpx.AsyncClient,
    team: Team,
    subscribers: list[Watcher],
    stop: asyncio.Event,
    stream: asyncio.Future[list[list[tuple[str, int]]]],
) -> int:
    """Stop the stream; check every write succeeded and every subscriber got everything once."""
    stop.set()
    for statuses in await stream:
        assert_all_succeeded(statuses)
        assert len(statuses) < STREAM_LIMIT, "the stream ran into its limit before the test ended"
    base = subscribers[0].hellos[0]["seq"]
    head = await board_seq(front, team.owner, team.board_id)
    await wait_all(subscribers, head)
    await asyncio.sleep(0.3)  # anything delivered twice or late would land now
    for subscriber in subscribers:
        assert_exactly_once_in_order(subscriber, head, first_seq=base + 1)
    assert_same_frames(subscribers)
    return head


async def test_redis_stopped_and_restarted_mid_stream(
    stack: Stack,
    front: httpx.AsyncClient,
    direct: list[httpx.AsyncClient],
    team: Team,
    subscribe: Subscribe,
) -> None:
    subscribers = await subscribers_everywhere(stack, team, subscribe)
    base = subscribers[0].hellos[0]["seq"]
    channel = board_channel(team.board_id)
    stop, gate = asyncio.Event(), asyncio.Lock()
    stream = write_stream(direct, team, stop, gate)
    try:
        await subscribers[0].wait_seq(base + 6)
        await asyncio.to_thread(stack.stop_redis)
        seq_at_stop = await board_seq(direct[0], team.owner, team.board_id)
        for http in direct:
            await readiness(http, 503)
            failing = (await http.get("/readyz")).json()["failing"]
            assert {"redis", "broker"} <= set(failing), failing

        # A lone write on replica 0, the stream paused: only the sweep takes it to replica 1.
        async with gate:
            await create_task(direct[0], team.owner, team.board_id, "alone while Redis is down")
            written_at = time.monotonic()
            lone = await board_seq(direct[0], team.owner, team.board_id)
            on_second = subscribers[2:4]
            await asyncio.gather(*(subscriber.wait_seq(lone, 5) for subscriber in on_second))
            swept_in = max(subscriber.arrival_of(lone) for subscriber in on_second) - written_at
        assert swept_in <= SWEEP_LIMIT * TIMEOUT_UNIT, f"the sweep took {swept_in:.2f} s"

        # Commands too, on each replica, while the broker is gone.
        replies = await asyncio.gather(
            ws_writes(subscribers[0], 4, "down-0"), ws_writes(subscribers[2], 4, "down-1")
        )
        for acks in replies:
            assert_acked(acks)
        # With no broker at all, the sweep alone carries each replica's events to the other.
        seq_down = await board_seq(direct[1], team.owner, team.board_id)
        assert seq_down >= seq_at_stop + 8
        await wait_all(subscribers, seq_down, timeout=5)

        await asyncio.to_thread(stack.start_redis)
        started_at = time.monotonic()
        redis = Redis.from_url(stack.redis_url)
        try:
            resubscribed = await both_subscribed(redis, channel, started_at)
        finally:
            await redis.aclose()
        seq_up = await board_seq(direct[0], team.owner, team.board_id)
        await wait_all(subscribers, seq_up + 6)  # the stream flows on after the restart
    finally:
        stop.set()
        await asyncio.gather(stream, return_exceptions=True)
    head = await finish(front, team, subscribers, stop, stream)
    outage = range(seq_at_stop + 1, seq_down + 1)
    print(
        f"redis restart: a lone event crossed replicas by the sweep in {swept_in:.2f} s; "
        f"{len(outage)} events written while down, delivered on both replicas "
        f"within {delivery_spread(subscribers, outage):.2f} s of each other; both replicas "
        f"subscribed again {resubscribed:.2f} s after the restart; head {head}"
    )


async def test_pubsub_connections_killed_mid_stream(
    stack: Stack,
    front: httpx.AsyncClient,
    direct: list[httpx.AsyncClient],
    team: Team,
    subscribe: Subscribe,
) -> None:
    subscribers = await subscribers_everywhere(stack, team, subscribe)
    base = subscribers[0].hellos[0]["seq"]
    channel = board_channel(team.board_id)
    redis = Redis.from_url(stack.redis_url)
    stop, gate = asyncio.Event(), asyncio.Lock()
    stream = write_stream(direct, team, stop, gate)
    try:
        assert await redis.pubsub_numsub(channel) == [(channel.encode(), 2)]
        await subscribers[0].wait_seq(base + 6)
        killed = await redis.client_kill_filter(_type="pubsub")
        killed_at = time.monotonic()
        assert killed >= 2, f"CLIENT KILL TYPE pubsub closed {killed} connections"
        seq_at_kill = await board_seq(direct[0], team.owner, team.board_id)
        resubscribed = await both_subscribed(redis, channel, killed_at)
        await wait_all(subscribers, seq_at_kill + 10)  # the stream flows on
    finally:
        stop.set()
        await asyncio.gather(stream, return_exceptions=True)
        await redis.aclose()
    head = await finish(front, team, subscribers, stop, stream)
    after = range(seq_at_kill + 1, seq_at_kill + 11)
    print(
        f"pubsub kill: {killed} connections killed, both replicas subscribed again after "
        f"{resubscribed:.2f} s; events after the kill delivered within "
        f"{delivery_spread(subscribers, after):.2f} s of each other; head {head}"
    )


async def both_subscribed(redis: Redis, channel: str, since: float, timeout: float = 10.0) -> float:
    """Wait until both replicas subscribe to `channel` again; seconds since `since`."""
    deadline = time.monotonic() + timeout * TIMEOUT_UNIT
    while True:
        ((_, count),) = await redis.pubsub_numsub(channel)
        if count == 2:
            return time.monotonic() - since
        if time.monotonic() > deadline:
            raise AssertionError(
                f"{count} replicas subscribed to {channel} {timeout} s after the kill"
            )
        await asyncio.sleep(0.05)


async def pubsub_clients(redis: Redis) -> dict[str, dict[str, str]]:
    return {str(client["id"]): client for client in await redis.client_list(_type="pubsub")}


async def test_an_idle_pubsub_connection_survives_its_keepalive_ping(stack: Stack) -> None:
    """After 5 s without a message a replica pings its pub/sub connection; the reply must not be
    taken for a lost connection (a reconnect loses what is published meanwhile)."""
    redis = Redis.from_url(stack.redis_url)
    try:
        first = await pubsub_clients(redis)
        assert len(first) == len(stack.replicas), first
        started = time.monotonic()
        deadline = time.monotonic() + KEEPALIVE_WAIT * TIMEOUT_UNIT
        pinged_at: float | None = None
        while pinged_at is None or time.monotonic() < pinged_at + 1.0:
            now = await pubsub_clients(redis)
            replaced = sorted(first.keys() - now.keys())
            assert not replaced, (
                f"idle pub/sub connections {replaced} dropped {time.monotonic() - started:.1f} s "
                f"into the test; now {[(c['id'], c['cmd'], c['age']) for c in now.values()]}"
            )
            if pinged_at is None and all(now[key]["cmd"] == "ping" for key in first):
                pinged_at = time.monotonic()  # then watch them a little longer
            assert time.monotonic() < deadline + 1.0, (
                f"no keepalive ping on every pub/sub connection within {KEEPALIVE_WAIT} s: {now}"
            )
            await asyncio.sleep(0.1)
    finally:
        await redis.aclose()


async def test_readyz_names_redis_while_it_is_down_and_is_200_after(
    stack: Stack, direct: list[httpx.AsyncClient]
) -> None:
    for http in direct:
        ready = await http.get("/readyz")
        assert ready.status_code == 200, f"{http.base_url} before any fault: {ready.text}"
    await asyncio.to_thread(stack.stop_redis)
    try:
        for http in direct:
            await readiness(http, 503)
            body = (await http.get("/readyz")).json()
            assert {"redis", "broker"} <= set(body["failing"]) and "redis" in body["detail"], body
    finally:
        await asyncio.to_thread(stack.start_redis)
    back = max(await asyncio.gather(*(readiness(http, 200, 15) for http in direct)))
    print(f"readyz: 200 again {back:.2f} s after Redis restarted")
