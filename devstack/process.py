"""A child process with its own log file, stopped politely (SIGTERM) or not (SIGKILL)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Self


class ManagedProcess:
    """One subprocess; its stdout and stderr go to `log_path`, appended across restarts."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        log_path: Path,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        user: str | None = None,
        stop_signal: int = signal.SIGTERM,
    ) -> None:
        self.argv = list(argv)
        self.log_path = log_path
        self.env = dict(env) if env is not None else None
        self.cwd = cwd
        self.user = user
        self.stop_signal = stop_signal
        self._popen: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self._popen.pid if self._popen is not None else None

    @property
    def running(self) -> bool:
        return self._popen is not None and self._popen.poll() is None

    @property
    def returncode(self) -> int | None:
        return self._popen.poll() if self._popen is not None else None

    def start(self) -> None:
        if self.running:
            raise RuntimeError(f"already running (pid {self.pid}): {self.argv[0]}")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self._popen = subprocess.Popen(
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env,
                cwd=self.cwd,
                user=self.user,
                # Deliberately in our process group: whatever signals the whole group (Ctrl-C,
                # `timeout`, a CI job being cancelled) ends these children too, rather than
                # leaving servers behind on their ports.
            )

    def signal(self, signum: int) -> None:
        if self.running and self._popen is not None:
            self._popen.send_signal(signum)

    def stop(self, timeout: float = 10.0) -> int | None:
        """`stop_signal` (SIGTERM), wait up to `timeout`, then SIGKILL. Returns the exit code."""
        if self._popen is None:
            return None
        if self._popen.poll() is None:
            self._popen.send_signal(self.stop_signal)
            try:
                self._popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self._popen.kill()
                self._popen.wait(5)
        return self._popen.returncode

    def kill(self) -> int | None:
        """SIGKILL: the crash case, no shutdown handlers run."""
        if self._popen is None:
            return None
        if self._popen.poll() is None:
            self._popen.kill()
            self._popen.wait(5)
        return self._popen.returncode

    def wait(self, timeout: float) -> int:
        if self._popen is None:
            raise RuntimeError("never started")
        return self._popen.wait(timeout)


def child_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment plus `extra`; the base every child starts from."""
    env = dict(os.environ)
    env.update(extra or {})
    return env


class Lifecycle:
    """Started by `with`, closed on leaving it. A start that fails is closed at once (`__exit__`
    never runs when `__enter__` fails), so nothing it began is left running.

    Closing stops it and removes its working directory if it made one (`_use_workdir`).
    """

    workdir: Path
    _own_workdir = False

    def _use_workdir(self, workdir: Path | None, prefix: str) -> None:
        self._own_workdir = workdir is None
        self.workdir = workdir if workdir is not None else Path(tempfile.mkdtemp(prefix=prefix))
        self.workdir.mkdir(parents=True, exist_ok=True)

    def start(self) -> object:
        raise NotImplementedError

    def stop(self) -> object:
        raise NotImplementedError

    def close(self) -> None:
        """Stop, then delete the working directory (logs included) if this object made it."""
        try:
            self.stop()
        finally:
            if self._own_workdir:
                shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> Self:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class ServerProcess(Lifecycle):
    """A server this program runs: one ManagedProcess and a working directory.

    Subclasses build `_process` and define `start`; stopping, restarting on the same port and
    cleaning up are the same for every server.
    """

    _process: ManagedProcess

    @property
    def running(self) -> bool:
        return self._process.running

    def start(self, timeout: float = 15.0) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        self._process.stop()

    def kill(self) -> None:
        self._process.kill()

    def restart(self, timeout: float = 15.0) -> None:
        self.stop()
        self.start(timeout)
