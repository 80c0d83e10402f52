"""Bounded waits that fail with a message saying what did not come up and why."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from devstack.process import ManagedProcess


class StartupError(RuntimeError):
    """A piece of the stack did not become ready within its time budget."""


def time_scale() -> float:
    """The test suite's one timeout unit (tests/conftest.py): a slow machine stretches every
    devstack wait with the same variable."""
    return float(os.environ.get("TASKFLOW_TEST_TIMEOUT_UNIT", "1"))


def log_tail(path: Path | None, lines: int = 20) -> str:
    if path is None or not path.exists():
        return "(no log)"
    text = path.read_text(errors="replace").splitlines()
    return "\n".join(text[-lines:]) or "(empty log)"


def wait_until(
    ready: Callable[[], bool],
    *,
    what: str,
    timeout: float,
    process: ManagedProcess | None = None,
    interval: float = 0.05,
) -> None:
    """Poll `ready` until it is true; raise StartupError on timeout or if `process` exits."""
    timeout *= time_scale()
    deadline = time.monotonic() + timeout
    while True:
        if ready():
            return
        if process is not None and not process.running:
            raise StartupError(
                f"{what}: process exited with code {process.returncode} before it was ready; "
                f"last log lines of {process.log_path}:\n{log_tail(process.log_path)}"
            )
        if time.monotonic() >= deadline:
            log = log_tail(process.log_path) if process is not None else "(no process)"
            raise StartupError(f"{what}: not ready after {timeout:.1f}s; last log lines:\n{log}")
        time.sleep(interval)
