"""A socket that stops reading is closed with 4408; everyone else's latency stays flat.

tests/realtime/test_slow_consumer.py shows it in one process with fabricated events; here it
is real REST writes on the stack, with the slow socket on a replica of its own (one more
process joined to the stack's database and Redis, its send queue cut to 10 frames so the
overflow comes within seconds) next to ordinary subscribers on the same replica and elsewhere.
"""

from __future__ import annotations

import asyncio
import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from devstack.watcher import Watcher, close_all, ws_url
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from devstack import Replica, Stack
from tests.conftest import TIMEOUT_UNIT
from tests.conftest import stack_http_client as http_client
from tests.reliability.conftest import Crew
from tests.reliability.load import RestWriter, percentile, sent_at
from tests.support.delivery import open_watchers

pytestmark = pytest.mark.cluster

QUEUE = 10
RATE = 20.0
BEFORE = 3.0
# 10,000 four-byte characters: every event frame is about 40 kB, so buffers fill fast.
HEAVY = "\U0001f600" * 10_000
_CLOSED = re.compile(r"^taskflow_slow_consumers_closed_total (\S+)$", re.MULTILINE)


@pytest.fixture
def small_queue_replica(stack: Stack, tmp_path: Path) -> Iterator[Replica]:
    env = {**stack.env, "REPLICA_ID": "small-queue", "WS_SEND_QUEUE_FRAMES": str(QUEUE)}
    replica = Replica(env=env, workdir=tmp_path / "small-queue", name="small-queue")
    replica.start(timeout=30 * TIMEOUT_UNIT)
    yield replica
    replica.stop()


async def stalled_socket(replica: Replica, board: int, token: str) -> ClientConnection:
    """A socket that stops reading at once: the client library pauses after one queued frame
    (max_queue=1), and a fixed 16 kB receive buffer keeps the kernel from buffering megabytes
    for it (receive autotuning goes up to 32 MB here), so the server's queue fills soon."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16_384)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", replica.port))
    return await connect(
        ws_url(replica.url, board, token),
        sock=sock,
        compression=None,
        max_queue=1,
        max_size=2**22,
        ping_interval=None,
    )


async def slow_closed(http: httpx.AsyncClient) -> int:
    match = _CLOSED.search((await http.get("/metrics")).text)
    assert match, "taskflow_slow_consumers_closed_total missing from /metrics"
    return int(float(match[1]))


def lags(watchers: list[Watcher], start: float, end: float) -> list[float]:
    """Arrival minus write time of the events written within [start, end)."""
    found = []
    for watcher in watchers:
        for at, event in watcher.timed("event"):
            sent = sent_at(event["data"]["title"])
            if start <= sent < end:
                found.append(at - sent)
    return found


async def test_a_stalled_socket_is_closed_4408_and_nobody_else_slows_down(
    stack: Stack, front: httpx.AsyncClient, crew: Crew, small_queue_replica: Replica
) -> None:
    board = crew.board_id
    others = await open_watchers(10, "same replica", small_queue_replica.url, board, crew.tokens)
    others += await open_watchers(10, "stack replica", stack.replicas[0].url, board, crew.tokens)
    writer = RestWriter(front, crew.owner, board, RATE, "heavy", description=HEAVY)
    stop = asyncio.Event()
    stream = asyncio.create_task(writer.run(stop))
    slow = None
    async with http_client(small_queue_replica.url) as metrics:
        closed_before = await slow_closed(metrics)
        try:
            await asyncio.sleep(BEFORE)
            slow = await stalled_socket(small_queue_replica, board, crew.editor.token)
            stalled_at = time.monotonic()
            deadline = stalled_at + 30 * TIMEOUT_UNIT
            while await slow_closed(metrics) == closed_before:
                assert time.monotonic() < deadline, "the stalled socket was never closed"
                await asyncio.sleep(0.2)
            closed_at = time.monotonic()
            await asyncio.sleep(1.0)
        finally:
            stop.set()
            await stream
    try:
        assert not writer.failures(), writer.failures()[:5]
        code = None
        try:
            async with asyncio.timeout(20 * TIMEOUT_UNIT):
                async for _ in slow:
                    pass
        except ConnectionClosed:
            pass
        code = slow.protocol.close_rcvd.code if slow.protocol.close_rcvd else None
        assert code == 4408, f"the stalled socket was closed with {code}"
        await asyncio.sleep(1.0 * TIMEOUT_UNIT)
        before = lags(others, 0.0, stalled_at)
        during = lags(others, stalled_at, closed_at + 1.0)
        assert len(during) >= 10 * len(others), f"only {len(during)} deliveries while stalled"
        p99_before, p99_during = percentile(before, 99), percentile(during, 99)
        assert p99_during <= max(2 * p99_before, p99_before + 0.25 * TIMEOUT_UNIT), (
            f"p99 {p99_before * 1000:.0f} ms before, {p99_during * 1000:.0f} ms while stalled"
        )
        for watcher in others:  # nobody else was dropped or skipped an event
            assert watcher.ended is None and watcher.closes == []
            seqs = [event["seq"] for event in watcher.events]
            assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
    finally:
        if slow is not None:
            await slow.close()
        await close_all(others)
    print(
        f"slow consumer: closed 4408 {closed_at - stalled_at:.1f} s after it stopped reading "
        f"(queue {QUEUE} frames, ~40 kB each, {RATE:.0f} events/s); 20 other sockets p99 "
        f"{p99_before * 1000:.0f} ms before, {p99_during * 1000:.0f} ms while it was stalled"
    )
