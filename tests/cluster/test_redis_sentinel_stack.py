"""Two replicas behind Nginx behind Sentinel: the master killed under a steady stream of writes;
every subscriber still gets every event once, in order. The stream and its checks:
tests/cluster/topology_stream.py."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest

from devstack import Stack
from tests.cluster.topology_stream import Replicas, replicas_of, stream_through, topology_stack
from tests.conftest import TIMEOUT_UNIT
from tests.reliability.conftest import make_crew, secrets_in_logs

pytestmark = pytest.mark.cluster


@pytest.fixture(scope="module")
def sentinel_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with topology_stack("sentinel", tmp_path_factory) as stack:
        yield stack


@pytest.fixture
async def on_sentinel(sentinel_stack: Stack) -> AsyncIterator[Replicas]:
    async for replicas in replicas_of(sentinel_stack):
        yield replicas


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
