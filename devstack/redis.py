"""Redis for the stack: reuse the one on 127.0.0.1:6379, or run a throwaway redis-server."""

from __future__ import annotations

import atexit
import socket
from collections.abc import Sequence
from pathlib import Path

from devstack.paths import executable
from devstack.ports import LOOPBACK, free_port
from devstack.process import ManagedProcess, ServerProcess, child_env
from devstack.waiting import StartupError, wait_until

DEFAULT_REDIS_PORT = 6379


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

    @property
    def url(self) -> str:
        return f"redis://{LOOPBACK}:{self.port}/0"

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


def ensure_redis() -> str:
    """A Redis URL: the server on 127.0.0.1:6379 if it answers, else a throwaway stopped at exit."""
    if redis_answers(DEFAULT_REDIS_PORT):
        return f"redis://{LOOPBACK}:{DEFAULT_REDIS_PORT}/0"
    server = RedisServer()
    atexit.register(server.close)
    server.start()
    return server.url
