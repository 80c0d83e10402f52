"""Redis for the stack: reuse the one on 127.0.0.1:6379, or run a throwaway redis-server."""

from __future__ import annotations

import atexit
import shutil
import socket
import tempfile
from pathlib import Path
from types import TracebackType

from devstack.paths import executable
from devstack.ports import LOOPBACK, free_port
from devstack.process import ManagedProcess, child_env
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


class RedisServer:
    """A redis-server on a fixed loopback port that keeps nothing on disk.

    The port survives stop/start/restart, so clients configured with its URL reconnect to it:
    that is what fault tests need ("Redis went away and came back").
    """

    def __init__(self, port: int | None = None, workdir: Path | None = None) -> None:
        self.port = port if port is not None else free_port()
        self._own_workdir = workdir is None
        self.workdir = workdir if workdir is not None else Path(tempfile.mkdtemp(prefix="redis-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.workdir / "redis.log"
        self._process = ManagedProcess(
            [
                executable("redis-server"),
                "--port", str(self.port),
                "--bind", LOOPBACK,
                "--save", "",
                "--appendonly", "no",
                "--dir", str(self.workdir),
            ],
            log_path=self.log_path,
            env=child_env(),
        )  # fmt: skip

    @property
    def url(self) -> str:
        return f"redis://{LOOPBACK}:{self.port}/0"

    @property
    def running(self) -> bool:
        return self._process.running

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
        self._process.stop()

    def kill(self) -> None:
        self._process.kill()

    def restart(self, timeout: float = 10.0) -> None:
        self.stop()
        self.start(timeout)

    def close(self) -> None:
        """Stop and remove the working directory if this object made it."""
        self.stop()
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> RedisServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def ensure_redis() -> str:
    """A Redis URL: the server on 127.0.0.1:6379 if it answers, else a throwaway stopped at exit."""
    if redis_answers(DEFAULT_REDIS_PORT):
        return f"redis://{LOOPBACK}:{DEFAULT_REDIS_PORT}/0"
    server = RedisServer()
    atexit.register(server.close)
    server.start()
    return server.url
