"""Two replicas behind Nginx on a Redis Cluster and on Sentinel: shards and masters change hands
under a steady stream of writes, and every subscriber still gets every event once, in order.

Each topology runs in a stack of its own (its Redis processes are started here); writes go
straight to both replicas, so each replica's events must cross the broker to the other one's
subscribers. Pub/sub loses what is published while a shard changes hands; the hub heals that
from the event log, which is what these tests hold it to.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest
from devstack.redis_cluster import ClusterNode, RedisClusterTopology
from devstack.stack import RedisTopologyName
from devstack.watcher import Watcher, close_all, wait_all

from devstack import Stack, StackOptions
from taskflow.realtime.broker import board_channel
from tests.conftest import TIMEOUT_UNIT, stack_http_client
from tests.reliability.conftest import Crew, board_seq, make_crew, secrets_in_logs
from tests.reliability.load import RestWriter, write_rate
from tests.support.delivery import assert_every_seq_once, open_watchers

pytestmark = pytest.mark.cluster

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


@pytest.fixture(scope="module")
def cluster_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with topology_stack("cluster", tmp_path_factory) as stack:
        yield stack


@pytest.fixture(scope="module")
def sentinel_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with topology_stack("sentinel", tmp_path_factory) as stack:
        yield stack


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


@pytest.fixture
async def on_cluster(cluster_stack: Stack) -> AsyncIterator[Replicas]:
    async for replicas in replicas_of(cluster_stack):
        yield replicas


@pytest.fixture
async def on_sentinel(sentinel_stack: Stack) -> AsyncIterator[Replicas]:
    async for replicas in replicas_of(sentinel_stack):
        yield replicas


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


async def boards_on_every_shard(replicas: Replicas, cluster: RedisClusterTopology) -> list[Crew]:
    """New boards until each master serves one (ids are sequential, slots spread)."""
    crews: dict[int, Crew] = {}
    for _ in range(40):
        crew = await make_crew(replicas.http[0], "sharded")
        port = cluster.master_for_slot(cluster.key_slot(board_channel(crew.board_id))).port
        crews.setdefault(port, crew)
        if len(crews) == len(cluster.masters()):
            return list(crews.values())
    raise AssertionError("40 boards and still a master with none")


async def test_cluster_every_shard_carries_its_boards_events_across_replicas(
    on_cluster: Replicas,
) -> None:
    cluster = on_cluster.stack.redis_cluster
    assert cluster is not None
    crews = await boards_on_every_shard(on_cluster, cluster)
    lines = await asyncio.gather(
        *(stream_through(on_cluster, crew, None, f"shard {i}") for i, crew in enumerate(crews))
    )
    print("cluster, no fault:", *lines, sep="\n  ")


async def test_cluster_master_killed_under_writes_loses_and_repeats_nothing(
    on_cluster: Replicas,
) -> None:
    cluster = on_cluster.stack.redis_cluster
    assert cluster is not None
    crew = await make_crew(on_cluster.http[0], "failover")
    slot = cluster.key_slot(board_channel(crew.board_id))
    killed: list[ClusterNode] = []

    def fail_over() -> None:
        killed.append(cluster.kill_master_of_slot(slot))
        cluster.wait_for_failover(slot, 30 * TIMEOUT_UNIT)

    try:
        line = await stream_through(on_cluster, crew, fail_over, "failover", keeps_pace=True)
    finally:
        for node in killed:
            await asyncio.to_thread(cluster.restart_node, node, 30 * TIMEOUT_UNIT)
    print("cluster, master of the board's slot killed:", line)


async def test_cluster_slot_migrated_under_writes_loses_and_repeats_nothing(
    on_cluster: Replicas,
) -> None:
    cluster = on_cluster.stack.redis_cluster
    assert cluster is not None
    crew = await make_crew(on_cluster.http[0], "reshard")
    slot = cluster.key_slot(board_channel(crew.board_id))
    owner = cluster.master_for_slot(slot)
    target = next(master for master in cluster.masters() if master is not owner)
    line = await stream_through(
        on_cluster,
        crew,
        lambda: cluster.migrate_slot(slot, target, 30 * TIMEOUT_UNIT),
        "reshard",
    )
    assert cluster.master_for_slot(slot) is target
    print("cluster, the board's slot migrated:", line)


async def test_sentinel_failover_under_writes_loses_and_repeats_nothing(
    on_sentinel: Replicas,
) -> None:
    sentinel = on_sentinel.stack.redis_sentinel
    assert sentinel is not None
    crew = await make_crew(on_sentinel.http[0], "sentinel")
    killed: list[int] = []

    def fail_over() -> None:
        killed.append(sentinel.kill_master())
        sentinel.wait_for_failover(killed[0], 30 * TIMEOUT_UNIT)

    try:
        line = await stream_through(on_sentinel, crew, fail_over, "sentinel", keeps_pace=True)
    finally:
        if killed:
            await asyncio.to_thread(sentinel.restart_old_master, 60 * TIMEOUT_UNIT)
    print("sentinel, master killed:", line)
    assert not secrets_in_logs(on_sentinel.stack, [crew.owner, crew.editor])
