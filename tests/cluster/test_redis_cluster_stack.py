"""Two replicas behind Nginx on a Redis Cluster: a shard's master killed and a board's slot
migrated under a steady stream of writes; every subscriber still gets every event once, in order.
The stream and its checks: tests/cluster/topology_stream.py."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest
from devstack.redis_cluster import ClusterNode, RedisClusterTopology

from devstack import Stack
from taskflow.realtime.broker import board_channel
from tests.cluster.topology_stream import Replicas, replicas_of, stream_through, topology_stack
from tests.conftest import TIMEOUT_UNIT
from tests.reliability.conftest import Crew, make_crew

pytestmark = pytest.mark.cluster


@pytest.fixture(scope="module")
def cluster_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with topology_stack("cluster", tmp_path_factory) as stack:
        yield stack


@pytest.fixture
async def on_cluster(cluster_stack: Stack) -> AsyncIterator[Replicas]:
    async for replicas in replicas_of(cluster_stack):
        yield replicas


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
