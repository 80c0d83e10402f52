"""devstack.process and devstack.waiting: bounded waits that say what failed and show the log."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from devstack.ports import free_port, port_accepts
from devstack.process import ManagedProcess, child_env
from devstack.waiting import StartupError, wait_until


def python(code: str, log: Path) -> ManagedProcess:
    return ManagedProcess([sys.executable, "-c", code], log_path=log, env=child_env())


def test_a_process_that_dies_early_is_reported_with_its_log(tmp_path: Path) -> None:
    process = python("import sys; print('no config here'); sys.exit(3)", tmp_path / "p.log")
    process.start()
    with pytest.raises(StartupError, match=r"(?s)exited with code 3.*no config here"):
        wait_until(lambda: False, what="the test process", timeout=10, process=process)


def test_a_wait_is_bounded(tmp_path: Path) -> None:
    process = python("import time; time.sleep(30)", tmp_path / "p.log")
    process.start()
    try:
        with pytest.raises(StartupError, match=r"not ready after 0\.3s"):
            wait_until(lambda: False, what="never", timeout=0.3, process=process)
    finally:
        assert process.stop(timeout=5) is not None
    assert not process.running


def test_stop_escalates_to_kill_for_a_process_that_ignores_sigterm(tmp_path: Path) -> None:
    code = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "print('ready', flush=True); time.sleep(30)"
    )
    process = python(code, tmp_path / "p.log")
    process.start()
    wait_until(lambda: "ready" in process.log_path.read_text(), what="child", timeout=10)
    assert process.stop(timeout=0.5) == -9


def test_free_ports_are_free() -> None:
    port = free_port()
    assert not port_accepts(port)
