"""Redis Cluster on loopback: three masters with a replica each, for failover and resharding tests.

Used by the server's cluster tests and by `make stack REDIS=cluster`:

    with RedisClusterTopology() as cluster:
        dead = cluster.kill_master_of_slot(cluster.key_slot("board:1"))
        promoted = cluster.wait_for_failover(cluster.key_slot("board:1"))
        cluster.restart_node(dead)  # rejoins as a replica of `promoted`
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from redis.crc import key_slot as crc16_slot

import redis
from devstack.paths import executable
from devstack.ports import LOOPBACK, free_port
from devstack.process import Lifecycle
from devstack.redis import DISKLESS_REPLICATION, RedisServer, false_on_redis_error
from devstack.waiting import StartupError, time_scale, wait_until

SLOTS = 16384
# Failure detection takes about one node timeout, the election 0.5-1 s more: a failover in
# 1.5-3 s. Much lower and a busy two-core machine sees nodes "fail" that are only slow.
NODE_TIMEOUT_MS = 1000
# Keys moved per MIGRATE while resharding (redis-cli --cluster reshard uses 10 by default).
MIGRATE_BATCH = 100


@dataclass(frozen=True)
class NodeView:
    """One line of CLUSTER NODES: what one node believes about another (or itself)."""

    node_id: str
    port: int
    flags: frozenset[str]
    master_id: str | None
    slots: frozenset[int]

    @property
    def suspected(self) -> bool:
        """Marked failing (fail) or about to be (pfail) by the node that reported this line."""
        return bool(self.flags & {"fail", "fail?"})


def parse_cluster_nodes(text: str) -> list[NodeView]:
    views: list[NodeView] = []
    for line in text.splitlines():
        # id ip:port@bus flags master ping-sent pong-recv epoch link-state slot...
        node_id, address, flags, master, *_ = fields = line.split()
        slots: set[int] = set()
        for field in fields[8:]:
            if field.startswith("["):
                continue  # an open migration ("[slot->-id]"), not ownership
            first, _, last = field.partition("-")
            slots.update(range(int(first), int(last or first) + 1))
        views.append(
            NodeView(
                node_id=node_id,
                port=int(address.split("@")[0].rpartition(":")[2]),
                flags=frozenset(flags.split(",")),
                master_id=None if master == "-" else master,
                slots=frozenset(slots),
            )
        )
    return views


class ClusterNode(RedisServer):
    """One cluster member. Its node id lives in nodes-PORT.conf in its workdir, so after a
    restart it rejoins as the same node (data is never kept: it resyncs from its master)."""

    def __init__(self, workdir: Path) -> None:
        port = free_port()
        bus_port = free_port()
        while bus_port == port:
            bus_port = free_port()
        super().__init__(
            port,
            workdir,
            extra_args=[
                "--cluster-enabled", "yes",
                "--cluster-config-file", f"nodes-{port}.conf",
                # Not port + 10000, the default: that is past 65535 for a high free port.
                "--cluster-port", str(bus_port),
                "--cluster-node-timeout", str(NODE_TIMEOUT_MS),
                *DISKLESS_REPLICATION,
            ],
        )  # fmt: skip
        self.node_id = ""

    def start(self, timeout: float = 10.0) -> None:
        super().start(timeout)
        self.node_id = str(self.command("CLUSTER", "MYID"))

    def views(self) -> list[NodeView]:
        return parse_cluster_nodes(str(self.command("CLUSTER", "NODES")))

    def cluster_info(self) -> dict[str, str]:
        text = str(self.command("CLUSTER", "INFO"))
        pairs = (line.split(":", 1) for line in text.splitlines() if ":" in line)
        return {key: value for key, value in pairs}


class RedisClusterTopology(Lifecycle):
    """Three masters and three replicas on 127.0.0.1, made by `redis-cli --cluster create`.

    Started means: every node says cluster_state:ok, all 16384 slots are served by live
    masters that every live node agrees on, and every replica's link to its master is up
    (so a master killed right after start already has a replica able to take over).
    Nothing is kept on disk but each node's nodes-PORT.conf.
    """

    def __init__(self, workdir: Path | None = None, masters: int = 3) -> None:
        self._use_workdir(workdir, "redis-cluster-")
        self.nodes = [ClusterNode(self.workdir / f"node-{n}") for n in range(1, 2 * masters + 1)]
        self._created = False
        self._seeds: list[ClusterNode] = []

    @property
    def url(self) -> str:
        """redis+cluster://HOST:PORT,... with the masters at creation as seed nodes."""
        seeds = self._seeds or self.nodes[: len(self.nodes) // 2]
        return "redis+cluster://" + ",".join(node.address for node in seeds)

    # -- lifecycle -----------------------------------------------------------------------
    def start(self, timeout: float = 30.0) -> None:
        """Start every node; the first time, also create the cluster (later, they rejoin)."""
        for node in self.nodes:
            if not node.running:
                node.start()
        if not self._created:
            self._create()
            self._created = True
        self.wait_healthy(timeout)
        if not self._seeds:
            self._seeds = self.masters()

    def _create(self) -> None:
        argv = [
            executable("redis-cli"), "--cluster", "create", *(n.address for n in self.nodes),
            "--cluster-replicas", "1", "--cluster-yes",
        ]  # fmt: skip
        done = subprocess.run(
            argv, capture_output=True, text=True, check=False, timeout=60 * time_scale()
        )
        if done.returncode != 0:
            raise StartupError(f"redis-cli --cluster create failed:\n{done.stdout}{done.stderr}")

    def stop(self) -> None:
        for node in reversed(self.nodes):
            node.stop()

    def wait_healthy(self, timeout: float = 15.0) -> None:
        """Until the cluster is as `start` promises, among the nodes running now."""
        problem: list[str] = []

        def healthy() -> bool:
            problem[:] = [self.health_problem() or ""]
            return not problem[0]

        try:
            wait_until(healthy, what="redis cluster", timeout=timeout)
        except StartupError as error:
            raise StartupError(f"{error}\nlast problem seen: {problem[0]}") from None

    def health_problem(self) -> str | None:
        """What keeps the cluster from being healthy now, or None when it is."""
        running = [node for node in self.nodes if node.running]
        live_ids = {node.node_id for node in running}
        owners: dict[str, frozenset[int]] | None = None
        try:
            for node in running:
                info = node.cluster_info()
                if info["cluster_state"] != "ok" or info["cluster_slots_ok"] != str(SLOTS):
                    return f"{node.address}: cluster_state:{info['cluster_state']}"
                views = node.views()
                suspected = [v.port for v in views if v.suspected and v.node_id in live_ids]
                if suspected:
                    return f"{node.address} still marks {suspected} as failing"
                seen = _slot_owners(views)
                if not set(seen) <= live_ids:
                    return f"{node.address} sees slots on a node that is down"
                if owners is not None and seen != owners:
                    return f"{node.address} disagrees about who serves which slots"
                owners = seen
                if node.role() == "replica":
                    link = node.replication_info().get("master_link_status")
                    if link != "up":
                        return f"{node.address}: replica with master_link_status:{link}"
        except redis.RedisError as error:
            return f"{type(error).__name__}: {error}"
        return None

    # -- who serves what -----------------------------------------------------------------
    def key_slot(self, key: str | bytes) -> int:
        """The slot of `key` (CRC16 of its {hash tag} if any), as the cluster computes it."""
        return int(crc16_slot(key.encode() if isinstance(key, str) else key))

    def masters(self) -> list[ClusterNode]:
        """The nodes serving slots now, as the first running node sees it."""
        owners = _slot_owners(self._any_running().views())
        return [node for node in self.nodes if node.node_id in owners]

    def master_for_slot(self, slot: int) -> ClusterNode:
        for owner_id, slots in _slot_owners(self._any_running().views()).items():
            if slot in slots:
                return self._by_id(owner_id)
        raise LookupError(f"slot {slot} is not served by any node")

    # -- faults --------------------------------------------------------------------------
    def wait_replicated(self, timeout: float = 10.0) -> None:
        """Until every running replica has applied all its master has written so far.

        Replication is asynchronous: a master killed right after a write may take it along
        (Redis Cluster promises no more). A test that must find its data after a failover
        waits for this before the kill.
        """

        def caught_up() -> bool:
            for node in self.nodes:
                if not node.running or node.role() != "replica":
                    continue
                mine = node.replication_info()
                master = self._by_port(int(mine["master_port"])).replication_info()
                if mine.get("master_link_status") != "up" or (
                    mine["master_repl_offset"] != master["master_repl_offset"]
                ):
                    return False
            return True

        wait_until(
            false_on_redis_error(caught_up),
            what="redis cluster: replicas caught up",
            timeout=timeout,
        )

    def kill_master_of_slot(self, slot: int) -> ClusterNode:
        """SIGKILL the master serving `slot`; returns it (for `restart_node`). Writes its
        replica has not received yet are lost, as in a real crash (see `wait_replicated`)."""
        master = self.master_for_slot(slot)
        master.kill()
        return master

    def wait_for_failover(self, slot: int, timeout: float = 15.0) -> ClusterNode:
        """Until a live node serves `slot` and the cluster is healthy again; returns it."""
        self.wait_healthy(timeout)
        return self.master_for_slot(slot)

    def restart_node(self, node: ClusterNode, timeout: float = 15.0) -> None:
        """Start a stopped or killed node again and wait until it is back in a healthy cluster.

        A master that was failed over comes back as a replica of its successor (it sees its
        slots served under a newer epoch), empty, and resyncs.
        """
        node.start()
        self.wait_healthy(timeout)

    # -- resharding ----------------------------------------------------------------------
    def migrate_slot(self, slot: int, to_master: ClusterNode, timeout: float = 15.0) -> None:
        """Move `slot` and its keys to `to_master` live, as `redis-cli --cluster reshard` does.

        By hand rather than through redis-cli, whose reshard takes a number of slots and picks
        which ones itself: tests need one exact slot. Meanwhile clients get ASK redirections
        for keys already moved; once done, MOVED to the new owner.
        """
        source = self.master_for_slot(slot)
        if source is to_master:
            return
        to_master.command("CLUSTER", "SETSLOT", slot, "IMPORTING", source.node_id)
        source.command("CLUSTER", "SETSLOT", slot, "MIGRATING", to_master.node_id)
        while keys := source.command("CLUSTER", "GETKEYSINSLOT", slot, MIGRATE_BATCH):
            # Empty key and db 0, then KEYS: the multi-key form of MIGRATE.
            source.command("MIGRATE", LOOPBACK, to_master.port, "", 0, 5000, "KEYS", *keys)
        # The order the Redis manual gives: the new owner first (so it stops asking ASK-ed
        # clients to go back), then the old one, then every other master.
        others = [m for m in self.masters() if m not in (source, to_master)]
        for node in (to_master, source, *others):
            node.command("CLUSTER", "SETSLOT", slot, "NODE", to_master.node_id)
        wait_until(
            false_on_redis_error(
                lambda: self.health_problem() is None and self.master_for_slot(slot) is to_master
            ),
            what=f"redis cluster: every node seeing slot {slot} on {to_master.address}",
            timeout=timeout,
        )

    # -- helpers -------------------------------------------------------------------------
    def _any_running(self) -> ClusterNode:
        for node in self.nodes:
            if node.running:
                return node
        raise RuntimeError("no node of the redis cluster is running")

    def _by_port(self, port: int) -> ClusterNode:
        for node in self.nodes:
            if node.port == port:
                return node
        raise LookupError(f"port {port} is not one of this cluster's nodes")

    def _by_id(self, node_id: str) -> ClusterNode:
        for node in self.nodes:
            if node.node_id == node_id:
                return node
        raise LookupError(f"node {node_id} is not one of this cluster's")

    def log_paths(self) -> dict[str, Path]:
        return {f"redis-{node.port}": node.log_path for node in self.nodes}


def _slot_owners(views: list[NodeView]) -> dict[str, frozenset[int]]:
    return {view.node_id: view.slots for view in views if view.slots}
