"""`python -m devstack` (what `make stack` runs): comes up on PORT, SIGTERM stops all it started."""

from __future__ import annotations

import re
import signal
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from devstack.paths import REPO_ROOT
from devstack.ports import free_port, port_accepts
from devstack.postgres import drop_database, ensure_postgres, with_database
from devstack.process import ManagedProcess, child_env
from devstack.waiting import wait_until

pytestmark = pytest.mark.cluster


def test_python_m_devstack_runs_until_sigterm(tmp_path: Path) -> None:
    port = free_port()
    database = f"taskflow_stack_test_{uuid.uuid4().hex[:8]}"
    output = tmp_path / "devstack.out"
    workdir = tmp_path / "stack"
    process = ManagedProcess(
        [sys.executable, "-m", "devstack", "--database", database, "--workdir", str(workdir)],
        log_path=output,
        env=child_env({"PORT": str(port)}),
        cwd=REPO_ROOT,
    )
    process.start()
    try:
        wait_until(
            lambda: "TaskFlow stack up" in output.read_text(),
            what="python -m devstack",
            timeout=90,
            process=process,
        )
        text = output.read_text()
        assert f"nginx      http://127.0.0.1:{port}" in text
        replica_ports = [
            int(p) for p in re.findall(r"replica-\d\s+http://127\.0\.0\.1:(\d+)", text)
        ]
        assert len(replica_ports) == 2
        assert httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
        assert Path(re.findall(r"\(log (\S+)\)", text)[0]).is_relative_to(workdir)

        process.signal(signal.SIGTERM)
        assert process.wait(30) == 0
        for stopped in (port, *replica_ports):
            assert not port_accepts(stopped), f"port {stopped} still open after SIGTERM"
        assert (workdir / "replica-1" / "replica-1.log").exists(), "logs outlive the stack"
    finally:
        process.kill()
        drop_database(with_database(ensure_postgres(), database))
