"""devstack.redis_sentinel: a master, a replica and three sentinels that fail over for real."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from devstack.ports import port_accepts
from devstack.redis_sentinel import RedisSentinelTopology
from redis.sentinel import Sentinel

from redis import Redis
from tests.conftest import TIMEOUT_UNIT


@pytest.fixture
def topology() -> Iterator[RedisSentinelTopology]:
    with RedisSentinelTopology() as running:
        yield running


def sentinel_for(url: str) -> tuple[Sentinel, str]:
    """Sentinels and service name from a redis+sentinel:// URL, the way the server reads it."""
    scheme, _, rest = url.partition("://")
    assert scheme == "redis+sentinel"
    addresses, _, service = rest.partition("/")
    sentinels = [
        (host, int(port)) for host, _, port in (a.rpartition(":") for a in addresses.split(","))
    ]
    return Sentinel(sentinels, socket_timeout=2), service


def close(sentinel: Sentinel, master: Redis) -> None:
    """The master's connections and the sentinels' (`master.close()` leaves those open)."""
    master.close()
    for node in sentinel.sentinels:
        node.close()


def test_sentinels_name_the_master_and_clients_find_it(topology: RedisSentinelTopology) -> None:
    first, replica = topology.servers
    addresses = ",".join(f"127.0.0.1:{s.port}" for s in topology.sentinels)
    assert topology.url == f"redis+sentinel://{addresses}/taskflow"
    assert topology.master_port() == first.port
    assert (first.role(), replica.role()) == ("master", "replica")
    sentinel, service = sentinel_for(topology.url)
    master = sentinel.master_for(service, decode_responses=True)
    try:
        assert sentinel.discover_master(service) == ("127.0.0.1", first.port)
        assert sentinel.discover_slaves(service) == [("127.0.0.1", replica.port)]
        master.set("board:1", "hello")
        topology.wait_replicated()
        assert replica.command("GET", "board:1") == "hello"
    finally:
        close(sentinel, master)


def test_nothing_is_left_behind_but_sentinel_configs() -> None:
    with RedisSentinelTopology() as topology:
        files = sorted(p.name for p in topology.workdir.rglob("*") if p.is_file())
        assert files == sorted(["redis.log"] * 2 + ["sentinel.conf", "sentinel.log"] * 3)
        ports = [s.port for s in (*topology.servers, *topology.sentinels)]
    assert not topology.workdir.exists()
    assert not any(port_accepts(port) for port in ports)


def test_a_killed_master_fails_over_and_comes_back_as_a_replica(
    topology: RedisSentinelTopology,
) -> None:
    sentinel, service = sentinel_for(topology.url)
    master = sentinel.master_for(service, decode_responses=True)
    try:
        master.set("board:1", "before the crash")
        topology.wait_replicated()
        began = time.monotonic()
        old_port = topology.kill_master()
        new_port = topology.wait_for_failover(old_port, timeout=20)
        took = time.monotonic() - began
        assert new_port != old_port and topology.master_port() == new_port
        assert took < 15 * TIMEOUT_UNIT, f"failover took {took:.1f}s"
        # The same client object asks the sentinels again after its connection breaks.
        assert master.get("board:1") == "before the crash"
        master.set("board:2", "after the crash")
        promoted = next(s for s in topology.servers if s.port == new_port)
        assert promoted.role() == "master"
        assert promoted.command("GET", "board:2") == "after the crash"

        topology.restart_old_master()
        old = next(s for s in topology.servers if s.port == old_port)
        assert old.role() == "replica"
        assert old.replication_info()["master_port"] == str(new_port)
        topology.wait_replicated()
        assert old.command("GET", "board:2") == "after the crash"
        assert topology.master_port() == new_port
    finally:
        close(sentinel, master)
