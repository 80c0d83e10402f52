"""Redis stopped and started again under a steady stream while 200 sockets on two replicas watch.

tests/cluster/test_redis_faults.py covers the same fault with a handful of subscribers and a
gated stream; this is the crowd version: 100 sockets straight to each replica, REST writes
through Nginx at 20 per second that never pause, and the outage in the middle.
"""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from devstack.watcher import close_all, wait_all

from devstack import Stack
from tests.conftest import TIMEOUT_UNIT
from tests.reliability.conftest import Crew, board_seq, secrets_in_logs
from tests.reliability.load import RestWriter, percentile, write_rate
from tests.support.delivery import assert_every_seq_once, open_watchers

pytestmark = pytest.mark.cluster

PER_REPLICA = 100
RATE = 20.0  # writes per second, through Nginx
BEFORE, DOWN, AFTER = 2.0, 4.0, 2.0  # seconds of the stream around and during the outage


async def test_200_subscribers_get_every_event_once_across_a_redis_restart(
    stack: Stack, front: httpx.AsyncClient, crew: Crew
) -> None:
    watchers = []
    for index, replica in enumerate(stack.replicas):
        watchers += await open_watchers(
            PER_REPLICA, f"replica {index}", replica.url, crew.board_id, crew.tokens
        )
    base = await board_seq(front, crew.owner, crew.board_id)
    assert {watcher.hellos[0]["seq"] for watcher in watchers} == {base}
    writers = [
        RestWriter(front, who, crew.board_id, RATE / 2, label)
        for who, label in ((crew.owner, "owner"), (crew.editor, "editor"))
    ]
    stop = asyncio.Event()
    stream = asyncio.gather(*(writer.run(stop) for writer in writers))
    try:
        started_at = time.monotonic()
        await asyncio.sleep(BEFORE)
        await asyncio.to_thread(stack.stop_redis)
        down_at = time.monotonic()
        await asyncio.sleep(DOWN)
        await asyncio.to_thread(stack.start_redis)
        up_at = time.monotonic()
        await asyncio.sleep(AFTER)
    finally:
        stop.set()
        await stream
    try:
        writes = [write for writer in writers for write in writer.writes]
        failed = [write for writer in writers for write in writer.failures()]
        assert not failed, f"{len(failed)} of {len(writes)} writes failed: {failed[:5]}"
        during = [w for writer in writers for w in writer.seconds(down_at, up_at)]
        # Writes never wait for Redis: the outage must not slow the stream (a publish that
        # waited for its timeout would cut it to a fraction).
        rate_before = write_rate(writers, started_at, down_at)
        rate_during = write_rate(writers, down_at, up_at)
        assert rate_during >= 0.6 * rate_before, (
            f"{rate_during:.1f} writes/s while Redis was down, {rate_before:.1f} before"
        )

        head = await board_seq(front, crew.owner, crew.board_id)
        assert head == base + len(writes)
        await wait_all(watchers, head, timeout=30)
        await asyncio.sleep(0.5 * TIMEOUT_UNIT)  # a late duplicate would land now
        resyncs = assert_every_seq_once(watchers, base + 1, head)
        assert resyncs == 0, f"{resyncs} resyncs: the log keeps far more than this board's events"
    finally:
        await close_all(watchers)
    assert not secrets_in_logs(stack, [crew.owner, crew.editor])
    print(
        f"redis outage: {len(watchers)} sockets, {len(writes)} writes ({len(during)} while down, "
        f"{rate_during:.1f}/s against {rate_before:.1f}/s before, p95 {percentile(during, 95) * 1000:.0f} ms), events {base + 1}..{head} each "
        f"delivered once in order to every socket"
    )
