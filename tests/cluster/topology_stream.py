"""The stream the Redis topology tests run their faults under, and the stacks they run on.

Each topology runs in a stack of its own (its Redis processes are started here), one module per
topology so that only one such stack (besides the session's) holds PostgreSQL connections at a
time. Writes go straight to both replicas, so each replica's events must cross the broker to
the other one's subscribers. Pub/sub loses what is published while a shard or a master changes
hands; the hub heals that from the event log, which is what these tests hold it to.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import httpx
import pytest
from devstack.stack import RedisTopologyName
from devstack.watcher import Watcher, close_all, wait_all

from devstack import Stack, StackOptions
from tests.conftest import TIMEOUT_UNIT, stack_http_client
from tests.reliability.conftest import Crew, board_seq
from tests.reliability.load import RestWriter, write_rate
from tests.support.delivery import assert_every_seq_once, open_watchers

WATCHERS_PER_REPLICA = 10
RATE = 20.0  # writes per second, half on each replica
BEFORE, AFTER = 2.0, 4.0  # seconds of the stream before the fault and after it is over
PRESENCE_TTL = 6.0


def topology_stack(kind: RedisTopologyName, tmp_path_factory: pytest.TempPathFactory) -> Stack:
    return Stack(
        StackOptions(
            replicas=2,
            redis_topology=kind,
            use_mongo=False,
            workdir=tmp_path_factory.mktemp(f"stack-{kind}"),
            extra_env={"WS_CONNECTIONS_PER_USER": "1000"},
            start_timeout=60 * TIMEOUT_UNIT,
        )
    )


@dataclass
class Replicas:
    stack: Stack
    http: list[httpx.AsyncClient]


async def replicas_of(stack: Stack) -> AsyncIterator[Replicas]:
    clients = [stack_http_client(url) for url in stack.replica_urls]
    try:
        yield Replicas(stack, clients)
    finally:
        for client in clients:
            await client.aclose()


async def watch(replicas: Replicas, crew: Crew) -> list[Watcher]:
    watchers: list[Watcher] = []
    for index, replica in enumerate(replicas.stack.replicas):
        watchers += await open_watchers(
            WATCHERS_PER_REPLICA, f"replica {index}", replica.url, crew.board_id, crew.tokens
        )
    return watchers


async def stream_through(
    replicas: Replicas,
    crew: Crew,
    fault: Callable[[], object] | None,
    label: str,
    *,
    keeps_pace: bool = False,
) -> str:
    """Writes on both replicas while `fault` runs; then every event once, in order, everywhere,
    and presence whole again within its TTL. With `keeps_pace`, writes went on at the rate
    they had before the fault (no write waited on the failed part). Returns a line of figures."""
    watchers = await watch(replicas, crew)
    try:
        base = await board_seq(replicas.http[0], crew.owner, crew.board_id)
        writers = [
            RestWriter(http, who, crew.board_id, RATE / 2, f"{label} {index}")
            for index, (http, who) in enumerate(
                zip(replicas.http, (crew.owner, crew.editor), strict=True)
            )
        ]
        stop = asyncio.Event()
        stream = asyncio.gather(*(writer.run(stop) for writer in writers))
        started = time.monotonic()
        try:
            await asyncio.sleep(BEFORE)
            fault_at = time.monotonic()
            if fault is not None:
                await asyncio.to_thread(fault)
            fault_over = time.monotonic()
            await asyncio.sleep(AFTER)
        finally:
            stop.set()
            await stream
        failed = [write for writer in writers for write in writer.failures()]
        writes = sum(len(writer.writes) for writer in writers)
        assert not failed, f"{len(failed)} of {writes} writes failed: {failed[:5]}"
        head = await board_seq(replicas.http[0], crew.owner, crew.board_id)
        assert head == base + writes
        await wait_all(watchers, head, timeout=30)
        await asyncio.sleep(0.5 * TIMEOUT_UNIT)  # a late duplicate would land now
        resyncs = assert_every_seq_once(watchers, base + 1, head)
        assert resyncs == 0, f"{resyncs} resyncs"
        everyone = {crew.owner.username, crew.editor.username}
        present = [watchers[0], watchers[-1]]  # one on each replica
        await asyncio.gather(
            *(w.wait_presence(everyone, timeout=2 * PRESENCE_TTL) for w in present)
        )
        line = f"{writes} writes, events {base + 1}..{head} once each in order on {len(watchers)} sockets"
        if fault is None:
            return line
        before = write_rate(writers, started, fault_at)
        during = write_rate(writers, fault_at, fault_over)
        if keeps_pace:
            assert during >= 0.6 * before, (
                f"{during:.1f} writes/s during the fault, {before:.1f} before"
            )
        return (
            f"{line}; the fault took {fault_over - fault_at:.2f} s, "
            f"{during:.1f} writes/s during it against {before:.1f} before"
        )
    finally:
        await close_all(watchers)
