"""devstack.redis_cluster: a real six-node Redis Cluster that fails over, rejoins and reshards."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from devstack.ports import port_accepts
from devstack.redis_cluster import SLOTS, RedisClusterTopology
from redis.cluster import ClusterNode, RedisCluster

from tests.conftest import TIMEOUT_UNIT


@pytest.fixture
def cluster() -> Iterator[RedisClusterTopology]:
    with RedisClusterTopology() as running:
        yield running


def client_for(url: str) -> RedisCluster:
    """A cluster client from the seeds of a redis+cluster:// URL, the way the server reads it."""
    scheme, _, seeds = url.partition("://")
    assert scheme == "redis+cluster"
    nodes = [
        ClusterNode(host, int(port))
        for host, _, port in (s.rpartition(":") for s in seeds.split(","))
    ]
    return RedisCluster(startup_nodes=nodes, decode_responses=True, socket_timeout=2)


def test_three_masters_with_a_replica_each_serve_every_slot(cluster: RedisClusterTopology) -> None:
    masters = cluster.masters()
    assert len(masters) == 3 and len(cluster.nodes) == 6
    assert cluster.url == "redis+cluster://" + ",".join(f"127.0.0.1:{m.port}" for m in masters)
    assert sorted(node.role() for node in cluster.nodes) == ["master"] * 3 + ["replica"] * 3
    assert all(node.node_id for node in cluster.nodes)
    assert {cluster.master_for_slot(slot).port for slot in (0, SLOTS // 2, SLOTS - 1)} == {
        m.port for m in masters
    }
    client = client_for(cluster.url)
    try:
        keys = [f"board:{n}" for n in range(30)]
        for key in keys:
            client.set(key, key.upper())
        assert [client.get(key) for key in keys] == [key.upper() for key in keys]
        # The slot devstack computes is the one the cluster serves the key from.
        slot = cluster.key_slot("board:7")
        assert slot == int(cluster.nodes[0].command("CLUSTER", "KEYSLOT", "board:7"))
        assert cluster.master_for_slot(slot).command("GET", "board:7") == "BOARD:7"
    finally:
        client.close()


def test_nothing_is_left_behind_but_cluster_configs_while_running() -> None:
    with RedisClusterTopology() as cluster:
        files = {path.name for path in cluster.workdir.rglob("*") if path.is_file()}
        ports = [node.port for node in cluster.nodes]
        assert files == {f"nodes-{port}.conf" for port in ports} | {"redis.log"}
    assert not cluster.workdir.exists()
    assert not any(port_accepts(port) for port in ports)


def test_a_killed_master_is_replaced_by_its_replica_and_rejoins_as_one(
    cluster: RedisClusterTopology,
) -> None:
    client = client_for(cluster.url)
    try:
        client.set("board:1", "before the crash")
        slot = cluster.key_slot("board:1")
        cluster.wait_replicated()
        began = time.monotonic()
        dead = cluster.kill_master_of_slot(slot)
        promoted = cluster.wait_for_failover(slot, timeout=15)
        took = time.monotonic() - began
        assert promoted is not dead and promoted.role() == "master"
        assert took < 10 * TIMEOUT_UNIT, f"failover took {took:.1f}s"
        assert client.get("board:1") == "before the crash"
        client.set("board:1", "after the crash")

        cluster.restart_node(dead)
        assert dead.role() == "replica"
        assert int(dead.replication_info()["master_port"]) == promoted.port
        assert cluster.master_for_slot(slot) is promoted
        assert client.get("board:1") == "after the crash"
    finally:
        client.close()


def test_a_slot_migrated_live_takes_its_keys_along(cluster: RedisClusterTopology) -> None:
    client = client_for(cluster.url)
    try:
        # Two keys in one slot ({hash tag}), so the migration moves more than one.
        keys = ["{board:2}:tasks", "{board:2}:seq"]
        for key in keys:
            client.set(key, f"value of {key}")
        slot = cluster.key_slot(keys[0])
        source = cluster.master_for_slot(slot)
        target = next(m for m in cluster.masters() if m is not source)
        cluster.migrate_slot(slot, target)
        assert cluster.master_for_slot(slot) is target
        assert int(source.command("CLUSTER", "COUNTKEYSINSLOT", slot)) == 0
        assert int(target.command("CLUSTER", "COUNTKEYSINSLOT", slot)) == 2
        # The client still routes by its old map: it follows MOVED to the new owner.
        assert [client.get(key) for key in keys] == [f"value of {key}" for key in keys]
        client.set(keys[1], "written after")
        assert target.command("GET", keys[1]) == "written after"
    finally:
        client.close()
