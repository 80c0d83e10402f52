"""One `taskflow serve` process on a loopback port: start, wait for /healthz, stop or kill."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path

from devstack.ports import LOOPBACK, OnLoopback, free_port, port_accepts
from devstack.process import ManagedProcess
from devstack.taskflow_cli import taskflow_argv, taskflow_env
from devstack.waiting import StartupError, wait_until


def http_ok(url: str, timeout: float = 1.0) -> bool:
    """True when GET `url` answers 200."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return int(response.status) == 200
    except (urllib.error.URLError, OSError):
        return False


class Replica(OnLoopback):
    """A server replica. Its port stays the same across restarts, so Nginx finds it again.

    `stop()` sends SIGTERM (graceful: the server closes sockets with 1012); `kill()` sends
    SIGKILL (a crash: nothing is closed, peers see the connection drop).
    """

    def __init__(
        self,
        *,
        env: Mapping[str, str],
        workdir: Path,
        port: int | None = None,
        name: str = "replica",
        workers: int | None = None,
    ) -> None:
        self.port = port if port is not None else free_port()
        self.name = name
        self.workdir = workdir
        self.log_path = workdir / f"{name}.log"
        args = ["serve", "--host", LOOPBACK, "--port", str(self.port)]
        if workers is not None:
            args += ["--workers", str(workers)]
        # cwd is the replica's own directory, so a stray `.env` or `taskflow.db` in the
        # caller's directory never leaks into it: everything comes from `env`.
        self._process = ManagedProcess(
            taskflow_argv(*args), log_path=self.log_path, env=taskflow_env(env), cwd=workdir
        )

    @property
    def running(self) -> bool:
        return self._process.running

    @property
    def pid(self) -> int | None:
        return self._process.pid

    @property
    def returncode(self) -> int | None:
        return self._process.returncode

    def start(self, *, wait: bool = True, timeout: float = 30.0) -> None:
        if port_accepts(self.port):
            raise StartupError(f"{self.name}: port {self.port} is already taken")
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._process.start()
        if wait:
            self.wait_healthy(timeout)

    def wait_healthy(self, timeout: float = 30.0) -> None:
        wait_until(
            lambda: http_ok(f"{self.url}/healthz"),
            what=f"{self.name} (taskflow serve on port {self.port}) /healthz",
            timeout=timeout,
            process=self._process,
            interval=0.1,
        )

    def stop(self, timeout: float = 15.0) -> int | None:
        return self._process.stop(timeout)

    def kill(self) -> int | None:
        return self._process.kill()

    def restart(self, timeout: float = 30.0) -> None:
        self.stop()
        self.start(timeout=timeout)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
