"""Redis for the stack: reuse the one on 127.0.0.1:6379, or run a throwaway redis-server."""

from __future__ import annotations

import atexit
import socket
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

import redis
from devstack.paths import executable
from devstack.ports import LOOPBACK, free_port
from devstack.process import ManagedProcess, ServerProcess, child_env
from devstack.waiting import StartupError, wait_until

DEFAULT_REDIS_PORT = 6379
# For servers with replicas: a full sync goes straight over the socket, at once (not after the
# default 5 s wait for more replicas), and never through an RDB file on disk.
DISKLESS_REPLICATION = (
    "--repl-diskless-sync", "yes",
    "--repl-diskless-sync-delay", "0",
    "--repl-diskless-load", "swapdb",
)  # fmt: skip


def redis_client(port: int) -> redis.Redis:
    """A client for devstack's own checks on 127.0.0.1:`port`: replies as str, short timeouts."""
    return redis.Redis(
        host=LOOPBACK, port=port, decode_responses=True, socket_timeout=2, socket_connect_timeout=1
    )


def false_on_redis_error(ready: Callable[[], bool]) -> Callable[[], bool]:
    """`ready`, answering False while a server or sentinel cannot answer (still starting,
    or being failed over) instead of ending the wait."""

    def check() -> bool:
        try:
            return ready()
        except redis.RedisError:
            return False

    return check


def redis_answers(port: int, host: str = LOOPBACK, timeout: float = 0.5) -> bool:
    """True when host:port replies +PONG to an inline PING (no client library needed)."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer(ServerProcess):
    """A redis-server on a fixed loopback port that keeps nothing on disk.

    The port survives stop/start/restart, so clients configured with its URL reconnect to it:
    that is what fault tests need ("Redis went away and came back"). `extra_args` are more
    redis-server options (cluster mode, --replicaof); the workdir is its --dir either way.
    """

    def __init__(
        self,
        port: int | None = None,
        workdir: Path | None = None,
        extra_args: Sequence[str] = (),
    ) -> None:
        self.port = port if port is not None else free_port()
        self._use_workdir(workdir, "redis-")
        self.log_path = self.workdir / "redis.log"
        self._process = ManagedProcess(
            [
                executable("redis-server"),
                "--port", str(self.port),
                "--bind", LOOPBACK,
                "--save", "",
                "--appendonly", "no",
                "--dir", str(self.workdir),
                *extra_args,
            ],
            log_path=self.log_path,
            env=child_env(),
        )  # fmt: skip
        self._checks: redis.Redis | None = None

    @property
    def url(self) -> str:
        return f"redis://{LOOPBACK}:{self.port}/0"

    @property
    def address(self) -> str:
        return f"{LOOPBACK}:{self.port}"

    def command(self, *args: str | int) -> Any:
        """One command to this server, on a connection kept for these checks."""
        return self._client().execute_command(*args)  # type: ignore[no-untyped-call]

    def role(self) -> Literal["master", "replica"]:
        """What the server itself says now (ROLE)."""
        return "master" if self.command("ROLE")[0] == "master" else "replica"

    def replication_info(self) -> dict[str, str]:
        """INFO replication (redis-py parses INFO into a dict)."""
        return {key: str(value) for key, value in self.command("INFO", "replication").items()}

    def start(self, timeout: float = 10.0) -> None:
        if redis_answers(self.port):
            raise StartupError(f"redis: port {self.port} is already taken by another server")
        self._process.start()
        wait_until(
            lambda: redis_answers(self.port),
            what=f"redis-server on port {self.port}",
            timeout=timeout,
            process=self._process,
        )

    def stop(self) -> None:
        self._disconnect()
        super().stop()

    def kill(self) -> None:
        self._disconnect()
        super().kill()

    def _client(self) -> redis.Redis:
        if self._checks is None:
            self._checks = redis_client(self.port)
        return self._checks

    def _disconnect(self) -> None:
        if self._checks is not None:
            self._checks.close()
            self._checks = None


def ensure_redis() -> str:
    """A Redis URL: the server on 127.0.0.1:6379 if it answers, else a throwaway stopped at exit."""
    if redis_answers(DEFAULT_REDIS_PORT):
        return f"redis://{LOOPBACK}:{DEFAULT_REDIS_PORT}/0"
    server = RedisServer()
    atexit.register(server.close)
    server.start()
    return server.url
