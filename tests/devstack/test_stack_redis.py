"""devstack.Stack with a Redis Cluster or Sentinel topology: what it starts, names and stops.

Only the Redis part of the stack is started here (`_start_redis_topology`, what `start` calls):
the replicas need a server that accepts redis+cluster:// and redis+sentinel:// URLs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from devstack.__main__ import parse_args, redis_topology_lines
from devstack.ports import port_accepts
from devstack.stack import Stack, StackOptions


def test_python_m_devstack_takes_the_topology_by_name() -> None:
    assert parse_args([]).redis == "single"
    assert parse_args(["--redis", "cluster"]).redis == "cluster"
    assert parse_args(["--redis", "sentinel"]).redis == "sentinel"
    with pytest.raises(SystemExit):
        parse_args(["--redis", "sharded"])


def test_a_cluster_stack_runs_its_own_cluster(tmp_path: Path) -> None:
    stack = Stack(StackOptions(redis_topology="cluster", workdir=tmp_path))
    try:
        stack._start_redis_topology()
        cluster = stack.redis_cluster
        assert cluster is not None and stack.redis_server is None and stack.redis_sentinel is None
        assert stack.redis_url == cluster.url and stack.env["REDIS_URL"].startswith(
            "redis+cluster://127.0.0.1:"
        )
        assert cluster.workdir == tmp_path / "redis-cluster"
        assert {f"redis-{node.port}" for node in cluster.nodes} <= set(stack.log_paths())
        lines = "\n".join(redis_topology_lines(stack))
        assert all(master.address in lines for master in cluster.masters())
        with pytest.raises(RuntimeError, match="redis_cluster"):
            stack.stop_redis()
        ports = [node.port for node in cluster.nodes]
    finally:
        stack.close()
    assert not any(port_accepts(port) for port in ports)


def test_a_sentinel_stack_runs_its_own_sentinels(tmp_path: Path) -> None:
    stack = Stack(StackOptions(redis_topology="sentinel", workdir=tmp_path))
    try:
        stack._start_redis_topology()
        topology = stack.redis_sentinel
        assert topology is not None and stack.redis_server is None and stack.redis_cluster is None
        assert stack.redis_url == topology.url and stack.redis_url.endswith("/taskflow")
        lines = "\n".join(redis_topology_lines(stack))
        assert f"master 127.0.0.1:{topology.master_port()}" in lines
        assert len([name for name in stack.log_paths() if name.startswith("sentinel-")]) == 3
        ports = [s.port for s in (*topology.servers, *topology.sentinels)]
    finally:
        stack.close()
    assert not any(port_accepts(port) for port in ports)


def test_a_single_redis_stack_says_nothing_more_about_it(tmp_path: Path) -> None:
    stack = Stack(StackOptions(workdir=tmp_path))
    assert stack.options.redis_topology == "single"
    assert redis_topology_lines(stack) == []
