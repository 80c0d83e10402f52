"""Redis Sentinel on loopback: a master, its replica and three sentinels watching them.

Used by the server's sentinel tests and by `make stack REDIS=sentinel`:

    with RedisSentinelTopology() as sentinel:
        old = sentinel.kill_master()
        new = sentinel.wait_for_failover(old)
        sentinel.restart_old_master()  # back as a replica of `new`
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import redis
from devstack.paths import executable
from devstack.ports import LOOPBACK, free_port
from devstack.process import Lifecycle, ManagedProcess, ServerProcess, child_env
from devstack.redis import (
    DISKLESS_REPLICATION,
    RedisServer,
    false_on_redis_error,
    redis_answers,
    redis_client,
)
from devstack.waiting import StartupError, wait_until

SERVICE = "taskflow"
SENTINELS = 3
QUORUM = 2
# One second without an answer and a sentinel calls the master down; with the election the
# failover takes 2-4 s. The failover timeout also bounds a retry after a failed attempt.
DOWN_AFTER_MS = 1000
FAILOVER_TIMEOUT_MS = 5000


class SentinelServer(ServerProcess):
    """`redis-server sentinel.conf --sentinel` on a loopback port.

    Sentinel rewrites its config file with what it learns (its id, replicas, other sentinels,
    the current master), so a restarted sentinel keeps monitoring the master it last knew.
    """

    def __init__(self, *, workdir: Path, master_port: int) -> None:
        self.port = free_port()
        self._use_workdir(workdir, "sentinel-")
        self.config_path = self.workdir / "sentinel.conf"
        self.log_path = self.workdir / "sentinel.log"
        self._master_port = master_port
        self._process = ManagedProcess(
            [executable("redis-server"), str(self.config_path), "--sentinel"],
            log_path=self.log_path,
            env=child_env(),
        )
        self._client = redis_client(self.port)

    @property
    def address(self) -> str:
        return f"{LOOPBACK}:{self.port}"

    def command(self, *args: str | int) -> Any:
        return self._client.execute_command(*args)  # type: ignore[no-untyped-call]

    def start(self, timeout: float = 10.0) -> None:
        if not self.config_path.exists():
            self.config_path.write_text(
                f"port {self.port}\n"
                f"bind {LOOPBACK}\n"
                f'dir "{self.workdir}"\n'
                f"sentinel monitor {SERVICE} {LOOPBACK} {self._master_port} {QUORUM}\n"
                f"sentinel down-after-milliseconds {SERVICE} {DOWN_AFTER_MS}\n"
                f"sentinel failover-timeout {SERVICE} {FAILOVER_TIMEOUT_MS}\n"
                f"sentinel parallel-syncs {SERVICE} 1\n"
            )
        if redis_answers(self.port):
            raise StartupError(f"sentinel: port {self.port} is already taken by another server")
        self._process.start()
        wait_until(
            lambda: redis_answers(self.port),
            what=f"redis sentinel on port {self.port}",
            timeout=timeout,
            process=self._process,
        )

    def stop(self) -> None:
        self._client.close()
        super().stop()

    def master_port(self) -> int:
        """The master's port as this sentinel reports it now."""
        _host, port = self.command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", SERVICE)
        return int(port)

    def master_state(self) -> dict[str, str]:
        """SENTINEL MASTER: flags, num-slaves, num-other-sentinels..."""
        reply = self.command("SENTINEL", "MASTER", SERVICE)
        if isinstance(reply, list):  # RESP2 without redis-py's parsing: key, value, key, ...
            reply = dict(zip(reply[::2], reply[1::2], strict=True))
        return {str(key): str(value) for key, value in reply.items()}


class RedisSentinelTopology(Lifecycle):
    """A master, one replica and three sentinels (quorum 2) on 127.0.0.1, keeping no data on disk.

    Started means: the replica's link is up and every sentinel knows the replica and the two
    other sentinels, so a failover can begin as soon as the master dies.
    """

    def __init__(self, workdir: Path | None = None) -> None:
        self._use_workdir(workdir, "redis-sentinel-")
        first = RedisServer(workdir=self.workdir / "redis-1", extra_args=DISKLESS_REPLICATION)
        replica = RedisServer(
            workdir=self.workdir / "redis-2",
            extra_args=[*DISKLESS_REPLICATION, "--replicaof", LOOPBACK, str(first.port)],
        )
        self.servers = [first, replica]
        self.sentinels = [
            SentinelServer(workdir=self.workdir / f"sentinel-{n}", master_port=first.port)
            for n in range(1, SENTINELS + 1)
        ]
        self._killed: RedisServer | None = None

    @property
    def url(self) -> str:
        """redis+sentinel://SENTINEL,SENTINEL,SENTINEL/taskflow (the service name)."""
        addresses = ",".join(sentinel.address for sentinel in self.sentinels)
        return f"redis+sentinel://{addresses}/{SERVICE}"

    @property
    def service_name(self) -> str:
        return SERVICE

    # -- lifecycle -----------------------------------------------------------------------
    def start(self, timeout: float = 20.0) -> None:
        # The replica linked first: a sentinel learns replicas from the master's INFO, which
        # it asks once on connecting and then only every 10 s.
        for server in self.servers:
            if not server.running:
                server.start()
        first = self.servers[0]
        wait_until(
            lambda: self._replica_linked(first), what="redis replica linked", timeout=timeout
        )
        for sentinel in self.sentinels:
            if not sentinel.running:
                sentinel.start()
        wait_until(
            false_on_redis_error(self._sentinels_ready),
            what="redis sentinels knowing the replica and each other",
            timeout=timeout,
        )

    def stop(self) -> None:
        for sentinel in self.sentinels:
            sentinel.stop()
        for server in reversed(self.servers):
            server.stop()

    def _replica_linked(self, master: RedisServer) -> bool:
        """True when every other running server replicates from `master` over a live link."""
        try:
            infos = [s.replication_info() for s in self.servers if s is not master and s.running]
        except redis.RedisError:
            return False
        return all(
            info.get("master_link_status") == "up" and info["master_port"] == str(master.port)
            for info in infos
        )

    def _sentinels_ready(self) -> bool:
        for sentinel in self.sentinels:
            state = sentinel.master_state()
            replicas = sum(server.running for server in self.servers) - 1
            if (
                state["flags"] != "master"
                or int(state["num-slaves"]) < replicas
                or int(state["num-other-sentinels"]) != SENTINELS - 1
            ):
                return False
        return True

    # -- who is master -------------------------------------------------------------------
    def master_port(self) -> int:
        """The port most running sentinels report for the master now."""
        reports = Counter(s.master_port() for s in self.sentinels if s.running)
        if not reports:
            raise RuntimeError("no sentinel is running")
        return reports.most_common(1)[0][0]

    def master(self) -> RedisServer:
        return self._by_port(self.master_port())

    # -- faults --------------------------------------------------------------------------
    def wait_replicated(self, timeout: float = 10.0) -> None:
        """Until the replica has applied everything the master has written so far.

        Replication is asynchronous: a master killed right after a write may take it along.
        A test that must find its data after a failover waits for this before the kill.
        """
        master = self.master()

        def caught_up() -> bool:
            offset = master.replication_info()["master_repl_offset"]
            return self._replica_linked(master) and all(
                s.replication_info()["master_repl_offset"] == offset
                for s in self.servers
                if s is not master and s.running
            )

        wait_until(false_on_redis_error(caught_up), what="redis replica caught up", timeout=timeout)

    def kill_master(self) -> int:
        """SIGKILL the master; returns its port (for `wait_for_failover`). Writes the replica
        has not received yet are lost, as in a real crash (see `wait_replicated`)."""
        master = self.master()
        master.kill()
        self._killed = master
        return master.port

    def wait_for_failover(self, old_port: int, timeout: float = 20.0) -> int:
        """Until every running sentinel names the same new master and it says it is one."""
        found: list[int] = []

        def promoted() -> bool:
            ports = {s.master_port() for s in self.sentinels if s.running}
            if len(ports) != 1 or old_port in ports:
                return False
            found[:] = ports
            return self._by_port(found[0]).role() == "master"

        wait_until(
            false_on_redis_error(promoted),
            what=f"sentinel failover away from port {old_port}",
            timeout=timeout,
        )
        return found[0]

    def restart_old_master(self, timeout: float = 30.0) -> None:
        """Start the killed master again; wait until sentinel has made it a replica of the new one.

        It comes back empty and believing it is a master; sentinel notices within a second or
        two, then leaves it that way for 8 s (4 hello periods, in case it is the new master's
        config that is stale) before sending REPLICAOF. Meanwhile a client that still writes to
        it loses those writes: that window is what this method makes testable.
        """
        if self._killed is None:
            raise RuntimeError("no master was killed")
        old, self._killed = self._killed, None
        old.start()
        wait_until(
            false_on_redis_error(
                lambda: old.role() == "replica" and self._replica_linked(self.master())
            ),
            what=f"old master {old.address} reconfigured as a replica",
            timeout=timeout,
        )

    # -- helpers -------------------------------------------------------------------------
    def _by_port(self, port: int) -> RedisServer:
        for server in self.servers:
            if server.port == port:
                return server
        raise LookupError(f"port {port} is not one of this topology's redis servers")

    def log_paths(self) -> dict[str, Path]:
        paths = {f"redis-{s.port}": s.log_path for s in self.servers}
        paths.update({f"sentinel-{s.port}": s.log_path for s in self.sentinels})
        return paths
