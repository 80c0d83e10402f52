"""The whole topology on loopback: PostgreSQL, Redis, a MongoDB wire server, N replicas, Nginx.

Redis is one server, or a Redis Cluster or a Sentinel topology (StackOptions.redis_topology).

Used by `python -m devstack` (make stack) and by the cluster tests as a context manager:

    with Stack(StackOptions(replicas=2)) as stack:
        httpx.get(f"{stack.url}/healthz")
        stack.kill_replica(0)
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from websockets.sync.client import connect

from devstack.mongo import MongoWireServer, mongo_answers
from devstack.nginx import NginxServer
from devstack.paths import CLIENT_DIR
from devstack.ports import LOOPBACK, port_accepts
from devstack.postgres import create_database, drop_database, ensure_postgres
from devstack.process import Lifecycle
from devstack.redis import RedisServer, ensure_redis
from devstack.redis_cluster import RedisClusterTopology
from devstack.redis_sentinel import RedisSentinelTopology
from devstack.replica import Replica
from devstack.taskflow_cli import run_migrations
from devstack.waiting import wait_until

DEFAULT_MONGO_PORT = 27017
# single: one redis-server (redis://); cluster: three masters and three replicas
# (redis+cluster://); sentinel: master, replica and three sentinels (redis+sentinel://).
RedisTopologyName = Literal["single", "cluster", "sentinel"]
REDIS_TOPOLOGIES: tuple[RedisTopologyName, ...] = ("single", "cluster", "sentinel")


@dataclass(frozen=True)
class StackOptions:
    """What to run. Defaults suit tests: free ports, a fresh database dropped at the end."""

    nginx_port: int | None = None
    replicas: int = 2
    # None: a fresh uniquely named database, dropped at stop. A name: created if missing, kept.
    database: str | None = None
    # A Redis of the stack's own instead of reusing :6379. Pub/sub channels ignore the Redis
    # database number, so two stacks sharing one server would hear each other's board events
    # (board ids restart at 1 in every fresh database). Own one also allows stop/start faults.
    own_redis: bool = True
    # False: REDIS_URL / MONGODB_URI stay empty (in-process broker, activity in SQL).
    use_redis: bool = True
    # Not "single": the stack runs its own cluster or sentinel topology whatever `own_redis`
    # says, and exposes it (redis_cluster, redis_sentinel) for fault tests.
    redis_topology: RedisTopologyName = "single"
    use_mongo: bool = True
    # A MongoDB wire server of the stack's own instead of reusing one on :27017.
    own_mongo: bool = False
    mongodb_database: str | None = None
    environment: str = "test"
    log_level: str = "info"
    extra_env: Mapping[str, str] = field(default_factory=dict)
    client_dir: Path = CLIENT_DIR
    workdir: Path | None = None
    start_timeout: float = 60.0


class Stack(Lifecycle):
    """Starts everything in order, stops in reverse; whatever it started it also stops."""

    def __init__(self, options: StackOptions | None = None) -> None:
        self.options = options or StackOptions()
        self._use_workdir(self.options.workdir, "taskflow-stack-")
        self._suffix = uuid.uuid4().hex[:10]
        self.database_url = ""
        self.redis_url = ""
        self.mongodb_uri = ""
        self.redis_server: RedisServer | None = None
        self.redis_cluster: RedisClusterTopology | None = None
        self.redis_sentinel: RedisSentinelTopology | None = None
        self.mongo_server: MongoWireServer | None = None
        self.replicas: list[Replica] = []
        self.nginx: NginxServer | None = None
        self._drop_database_at_stop = False

    # -- addresses -----------------------------------------------------------------------
    @property
    def url(self) -> str:
        """Nginx, the front door: http://127.0.0.1:PORT."""
        return self._nginx().url

    @property
    def ws_url(self) -> str:
        return self._nginx().ws_url

    @property
    def replica_urls(self) -> list[str]:
        return [replica.url for replica in self.replicas]

    @property
    def env(self) -> dict[str, str]:
        """The settings every replica (and `taskflow migrate`) runs with."""
        opts = self.options
        env = {
            "ENVIRONMENT": opts.environment,
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "MONGODB_URI": self.mongodb_uri,
            "MONGODB_DATABASE": opts.mongodb_database or f"taskflow_{self._suffix}",
            "LOG_LEVEL": opts.log_level,
            "CLIENT_DIR": str(opts.client_dir),
            # Nginx is the only proxy whose X-Forwarded-* headers the replicas believe.
            "FORWARDED_ALLOW_IPS": LOOPBACK,
        }
        env.update(opts.extra_env)
        return env

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> Stack:
        try:
            self._start_backends()
            run_migrations(self.env, cwd=self.workdir)
            self._start_replicas()
            self.nginx = NginxServer(
                upstreams=[f"{LOOPBACK}:{replica.port}" for replica in self.replicas],
                port=self.options.nginx_port,
                client_dir=self.options.client_dir,
                workdir=self.workdir / "nginx",
            )
            self.nginx.start()
        except BaseException:
            # Also when started without `with` (the error has the logs).
            self.close()
            raise
        return self

    def _start_backends(self) -> None:
        opts = self.options
        server = ensure_postgres()
        self._drop_database_at_stop = opts.database is None
        self.database_url = create_database(server, opts.database, reuse=opts.database is not None)
        if opts.use_redis:
            self._start_redis_topology()
        if opts.use_mongo:
            reuse = f"mongodb://{LOOPBACK}:{DEFAULT_MONGO_PORT}"
            if not opts.own_mongo and port_accepts(DEFAULT_MONGO_PORT) and mongo_answers(reuse):
                self.mongodb_uri = reuse
            else:
                self.mongo_server = MongoWireServer(workdir=self.workdir / "mongo")
                self.mongo_server.start()
                self.mongodb_uri = self.mongo_server.url

    def _start_redis_topology(self) -> None:
        """Start the Redis of `options.redis_topology` (or find :6379) and set `redis_url`."""
        topology = self.options.redis_topology
        if topology == "cluster":
            self.redis_cluster = RedisClusterTopology(self.workdir / "redis-cluster")
            self.redis_cluster.start()
            self.redis_url = self.redis_cluster.url
        elif topology == "sentinel":
            self.redis_sentinel = RedisSentinelTopology(self.workdir / "redis-sentinel")
            self.redis_sentinel.start()
            self.redis_url = self.redis_sentinel.url
        elif self.options.own_redis:
            self.redis_server = RedisServer(workdir=self.workdir / "redis")
            self.redis_server.start()
            self.redis_url = self.redis_server.url
        else:
            self.redis_url = ensure_redis()

    def _start_replicas(self) -> None:
        for number in range(1, self.options.replicas + 1):
            name = f"replica-{number}"
            replica = Replica(
                env={**self.env, "REPLICA_ID": name}, workdir=self.workdir / name, name=name
            )
            self.replicas.append(replica)
            replica.start(wait=False)
        # Started together, awaited one by one: the replicas boot in parallel.
        for replica in self.replicas:
            replica.wait_healthy(self.options.start_timeout)

    def stop(self) -> None:
        """Stop what this stack started, in reverse order; safe to call twice."""
        if self.nginx is not None:
            self.nginx.stop()
        for replica in self.replicas:
            replica.stop()
        if self.mongo_server is not None:
            self.mongo_server.stop()
        for backend in (self.redis_server, self.redis_cluster, self.redis_sentinel):
            if backend is not None:
                backend.stop()
        if self._drop_database_at_stop and self.database_url:
            drop_database(self.database_url)
            self._drop_database_at_stop = False

    # -- faults and changes --------------------------------------------------------------
    def kill_replica(self, index: int) -> None:
        """SIGKILL: a crash."""
        self.replicas[index].kill()

    def stop_replica(self, index: int) -> None:
        """SIGTERM: a graceful shutdown (sockets closed with 1012)."""
        self.replicas[index].stop()

    def start_replica(self, index: int) -> None:
        """Start it again on the same port, so Nginx's upstream list stays right.

        Nginx that saw it fail keeps skipping it for fail_timeout (10 s); `reload_nginx()`
        forgets that at once (open sockets move to old workers, closed within 30 s).
        """
        self.replicas[index].start(timeout=self.options.start_timeout)

    def restart_replica(self, index: int) -> None:
        self.stop_replica(index)
        self.start_replica(index)

    def stop_redis(self) -> None:
        self._own_redis().stop()

    def start_redis(self) -> None:
        self._own_redis().start()

    def stop_mongo(self) -> None:
        self._own_mongo().stop()

    def start_mongo(self) -> None:
        self._own_mongo().start()

    def reload_nginx(self) -> None:
        self._nginx().reload()

    def replica_for_board(self, board_id: int, token: str, timeout: float = 10.0) -> int:
        """Index of the replica Nginx pins `board_id` to right now.

        Found the way Nginx decides it: one socket is opened through Nginx and closed, then the
        access log (written when the socket closes) names the upstream that served it.
        """
        path = f"/ws/boards/{board_id}"
        before = len(self._ws_upstreams(path))
        with connect(f"{self.ws_url}{path}?token={token}", open_timeout=timeout) as probe:
            probe.recv(timeout=timeout)
        found: list[str] = []

        def logged() -> bool:
            found[:] = self._ws_upstreams(path)[before:]
            return bool(found)

        wait_until(logged, what=f"access log line for {path}", timeout=timeout)
        # With failover the field lists every peer tried ("a:1, b:2"); the last one answered.
        address = found[-1].split(",")[-1].strip()
        ports = [f"{LOOPBACK}:{replica.port}" for replica in self.replicas]
        if address not in ports:
            raise RuntimeError(f"{path} was served by {address}, not a replica of this stack")
        return ports.index(address)

    def _ws_upstreams(self, path: str) -> list[str]:
        log = self._nginx().access_log
        lines = log.read_text(errors="replace").splitlines() if log.exists() else []
        pattern = re.compile(
            rf'"GET {re.escape(path)} [^"]*" 101 .*upstream=(.+?) upstream_status='
        )
        return [match[1] for line in lines if (match := pattern.search(line))]

    # -- logs ----------------------------------------------------------------------------
    def log_paths(self) -> dict[str, Path]:
        paths = {replica.name: replica.log_path for replica in self.replicas}
        if self.nginx is not None:
            paths["nginx-access"] = self.nginx.access_log
            paths["nginx-error"] = self.nginx.error_log
        if self.redis_server is not None:
            paths["redis"] = self.redis_server.log_path
        for topology in (self.redis_cluster, self.redis_sentinel):
            if topology is not None:
                paths.update(topology.log_paths())
        if self.mongo_server is not None:
            paths["mongo"] = self.mongo_server.log_path
        return paths

    def logs(self) -> dict[str, str]:
        """Every log this stack wrote, by name ("replica-1", "nginx-access", ...)."""
        return {
            name: path.read_text(errors="replace") if path.exists() else ""
            for name, path in self.log_paths().items()
        }

    # -- helpers -------------------------------------------------------------------------
    def _nginx(self) -> NginxServer:
        if self.nginx is None:
            raise RuntimeError("the stack is not started")
        return self.nginx

    def _own_redis(self) -> RedisServer:
        if self.redis_server is None:
            raise RuntimeError(
                "this stack has no single Redis of its own: use StackOptions(own_redis=True), "
                "or the faults of stack.redis_cluster / stack.redis_sentinel"
            )
        return self.redis_server

    def _own_mongo(self) -> MongoWireServer:
        if self.mongo_server is None:
            raise RuntimeError("this stack reuses a shared MongoDB; use own_mongo=True")
        return self.mongo_server
