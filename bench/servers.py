"""The servers a scenario measures, each started fresh and stopped by the scenario.

- `CeilingServer`: `python -m bench.ceiling` on a free loopback port.
- `TaskFlowReplica`: one `taskflow serve` (devstack.Replica) on a fresh database, in-process
  broker, as the single-replica scenarios need.

Every TaskFlow server runs in one of two configurations: `shipped` (as `make run` starts it, the
default) or `tuned` (`--tuned`: quieter logs, per-user limits lifted).
- `TaskFlowSplit`: a writer replica and a socket replica on one PostgreSQL and Redis.
- `TaskFlowCluster`: devstack's Stack (PostgreSQL, two replicas, Nginx) for S4, on its own
  Redis: one server (`redis://`) or a Redis Cluster of three shards (`redis+cluster://`).
"""

from __future__ import annotations

import atexit
import functools
import shutil
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from devstack.paths import REPO_ROOT
from devstack.ports import OnLoopback, free_port, port_accepts
from devstack.postgres import create_database, drop_database, ensure_postgres
from devstack.process import Lifecycle, ManagedProcess, ServerProcess, child_env
from devstack.redis import RedisServer
from devstack.stack import RedisTopologyName
from devstack.taskflow_cli import run_migrations
from devstack.waiting import wait_until

from devstack import Replica, Stack, StackOptions

Database = Literal["sqlite", "postgres"]
Configuration = Literal["shipped", "tuned"]

# What `make run` gives a replica: the committed `.env` (development, file SQLite, no Redis, no
# MongoDB, LOG_LEVEL=info) and every other setting at its default, rate limits included
# (REST_WRITES_PER_SECOND 100 and burst 200 per user, WS_CONNECTIONS_PER_USER 50,
# WS_COMMANDS_PER_SECOND 20 per socket). Scenarios spread their load over enough users instead.
SHIPPED_ENV = {
    "ENVIRONMENT": "development",
    "LOG_LEVEL": "info",
    "REDIS_URL": "",
    "MONGODB_URI": "",
}
# `--tuned`: how the bench ran before issue 14. Quieter logs and no per-user limits, so one
# account may hold a whole crowd and write at any rate.
TUNED_ENV = {
    **SHIPPED_ENV,
    "LOG_LEVEL": "warning",
    "WS_CONNECTIONS_PER_USER": "100000",
    "REST_WRITES_PER_SECOND": "100000",
    "REST_WRITE_BURST": "100000",
    "WS_COMMANDS_PER_SECOND": "100000",
    "WS_COMMAND_BURST": "100000",
}
ENVIRONMENTS: dict[Configuration, dict[str, str]] = {"shipped": SHIPPED_ENV, "tuned": TUNED_ENV}
# Sockets a scenario opens per user on the shipped server: under WS_CONNECTIONS_PER_USER's 50,
# with room for a warm-up's sockets still closing.
SOCKETS_PER_USER = 45


def users_for(sockets: int, configuration: Configuration, *, at_least: int = 1) -> int:
    """Users a crowd of `sockets` is spread over, so none passes the per-user socket limit."""
    if configuration == "tuned":
        return at_least
    return max(at_least, -(-sockets // SOCKETS_PER_USER))


@functools.cache
def migrated_sqlite() -> Path:
    """One migrated SQLite file per run, copied for every replica (a migrate costs seconds)."""
    directory = Path(tempfile.mkdtemp(prefix="bench-sqlite-"))
    atexit.register(shutil.rmtree, directory, True)
    path = directory / "template.db"
    run_migrations({**SHIPPED_ENV, "DATABASE_URL": f"sqlite+aiosqlite:///{path}"}, cwd=directory)
    return path


class CeilingServer(OnLoopback, ServerProcess):
    name = "ceiling"

    def __init__(self) -> None:
        self._use_workdir(None, "bench-ceiling-")
        self.port = free_port()
        self._process = ManagedProcess(
            [sys.executable, "-m", "bench.ceiling", "--port", str(self.port)],
            log_path=self.workdir / "ceiling.log",
            env=child_env({"PYTHONPATH": str(REPO_ROOT)}),
            cwd=REPO_ROOT,
        )

    @property
    def control_url(self) -> str:
        return f"{self.ws_url}/control"

    @property
    def pids(self) -> list[int]:
        return [self._process.pid] if self._process.pid is not None else []

    def start(self, timeout: float = 15.0) -> None:
        self._process.start()
        wait_until(
            lambda: port_accepts(self.port),
            what="bench ceiling",
            timeout=timeout,
            process=self._process,
        )

    def stop(self) -> None:
        self._process.stop(5)


class TaskFlowReplica(OnLoopback, Lifecycle):
    """One replica: `taskflow serve`."""

    name = "taskflow"

    def __init__(
        self,
        database: Database = "sqlite",
        *,
        configuration: Configuration = "shipped",
        shared_database_url: str = "",
        extra_env: Mapping[str, str] | None = None,
    ) -> None:
        self._use_workdir(None, "bench-taskflow-")
        self.database = database
        self.configuration = configuration
        # A database someone else created, migrated and drops (the split topology's).
        self.shared_database_url = shared_database_url
        self.extra_env = dict(extra_env or {})
        self.database_url = ""
        self.port = free_port()
        self.process: Replica | None = None

    @property
    def pids(self) -> list[int]:
        pid = self.process.pid if self.process is not None else None
        return [pid] if pid is not None else []

    def start(self) -> None:
        base = {**ENVIRONMENTS[self.configuration], **self.extra_env}
        if self.shared_database_url:
            env = {**base, "DATABASE_URL": self.shared_database_url}
        elif self.database == "postgres":
            self.database_url = create_database(ensure_postgres())
            env = {**base, "DATABASE_URL": self.database_url}
            run_migrations(env, cwd=self.workdir)
        else:
            database = self.workdir / "bench.db"
            shutil.copyfile(migrated_sqlite(), database)
            self.database_url = f"sqlite+aiosqlite:///{database}"
            env = {**base, "DATABASE_URL": self.database_url}
        replica = Replica(env=env, workdir=self.workdir, port=self.port, name="taskflow")
        self.process = replica
        replica.start(timeout=60)

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
        if self.database == "postgres" and self.database_url:
            drop_database(self.database_url)
            self.database_url = ""


class TaskFlowSplit(Lifecycle):
    """Two replicas with split roles: one takes the REST writes, one holds the sockets.

    Same code, same PostgreSQL and Redis broker; only the traffic differs (what Nginx would
    do with one upstream for /api/ and another for /ws/). The probe watches the socket
    holder, so its CPU per delivery is the fan-out's alone.
    """

    name = "taskflow"

    def __init__(self, configuration: Configuration = "shipped") -> None:
        self._use_workdir(None, "bench-split-")
        self.configuration = configuration
        self.redis = RedisServer(workdir=self.workdir / "redis")
        self.database_url = ""
        self.writer: TaskFlowReplica | None = None
        self.fanout: TaskFlowReplica | None = None

    @property
    def url(self) -> str:
        assert self.writer is not None
        return self.writer.url

    @property
    def ws_url(self) -> str:
        assert self.fanout is not None
        return self.fanout.ws_url

    @property
    def pids(self) -> list[int]:
        return self.fanout.pids if self.fanout is not None else []

    def start(self) -> None:
        self.redis.start()
        self.database_url = create_database(ensure_postgres())
        run_migrations({**SHIPPED_ENV, "DATABASE_URL": self.database_url}, cwd=self.workdir)
        self.writer, self.fanout = (
            TaskFlowReplica(
                "postgres",
                configuration=self.configuration,
                shared_database_url=self.database_url,
                extra_env={"REDIS_URL": self.redis.url},
            )
            for _ in ("writer", "fanout")
        )
        # Both are known before either starts, so a failed start still stops the other.
        self.writer.start()
        self.fanout.start()

    def stop(self) -> None:
        for replica in (self.fanout, self.writer):
            if replica is not None:
                replica.close()
        self.redis.close()
        if self.database_url:
            drop_database(self.database_url)
            self.database_url = ""


def stack_subject_name(redis: RedisTopologyName) -> str:
    """ "taskflow" on one Redis (as S4 always named it), else the topology in brackets."""
    return "taskflow" if redis == "single" else f"taskflow (Redis {redis.title()})"


class TaskFlowCluster(Lifecycle):
    """PostgreSQL + Redis + two replicas + Nginx; clients go through Nginx.

    `redis`: devstack's topology behind REDIS_URL, one server or a Redis Cluster (three
    masters, three replicas); the subject's name says which, so both can share a table.
    """

    def __init__(
        self,
        replicas: int = 2,
        configuration: Configuration = "shipped",
        *,
        redis: RedisTopologyName = "single",
    ) -> None:
        self._use_workdir(None, "bench-cluster-")
        self.name = stack_subject_name(redis)
        env = ENVIRONMENTS[configuration]
        self.stack = Stack(
            StackOptions(
                replicas=replicas,
                own_redis=True,
                redis_topology=redis,
                use_mongo=False,
                environment="development",
                log_level=env["LOG_LEVEL"],
                extra_env={k: v for k, v in env.items() if k not in SHIPPED_ENV},
                workdir=self.workdir / "stack",
            )
        )
        self.redis_pids: list[int] = []

    @property
    def url(self) -> str:
        return self.stack.url

    @property
    def ws_url(self) -> str:
        return self.stack.ws_url

    @property
    def pids(self) -> list[int]:
        return [r.pid for r in self.stack.replicas if r.pid is not None]

    def start(self) -> None:
        self.stack.start()
        self.redis_pids = [
            int(server.command("INFO", "server")["process_id"]) for server in self._redis_servers()
        ]

    def stop(self) -> None:
        self.stack.stop()

    def _redis_servers(self) -> list[RedisServer]:
        """Every redis-server behind REDIS_URL (replicas too: a cluster's carry their shard's
        sharded pub/sub messages as well)."""
        stack = self.stack
        if stack.redis_cluster is not None:
            return list(stack.redis_cluster.nodes)
        if stack.redis_sentinel is not None:
            return list(stack.redis_sentinel.servers)
        return [stack.redis_server] if stack.redis_server is not None else []
