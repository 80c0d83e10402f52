"""How to run the `taskflow` command, installed or straight from the source tree."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from devstack.paths import SERVER_SRC
from devstack.process import child_env


def taskflow_argv(*args: str) -> list[str]:
    """argv for `taskflow ARGS...`: the venv's console script, else `python -m taskflow`
    (server/ is on PYTHONPATH, so that works before `pip install -e .` too)."""
    script = Path(sys.executable).parent / "taskflow"
    if script.is_file():
        return [str(script), *args]
    return [sys.executable, "-m", "taskflow", *args]


def taskflow_env(extra: Mapping[str, str]) -> dict[str, str]:
    """The environment for a taskflow process: ours, server/ importable, plus `extra`."""
    env = child_env(extra)
    paths = [str(SERVER_SRC), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    return env


def run_migrations(env: Mapping[str, str], *, cwd: Path, timeout: float = 120.0) -> None:
    """`taskflow migrate` against env's DATABASE_URL; raise with its output if it fails."""
    result = subprocess.run(
        taskflow_argv("migrate"),
        env=taskflow_env(env),
        cwd=cwd,
        check=False,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip()[-4000:]
        raise RuntimeError(f"taskflow migrate failed (exit {result.returncode}):\n{output}")
