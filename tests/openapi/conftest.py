"""A real `taskflow serve` on the embedded SQLite default, for the tools that read /openapi.json."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from devstack.taskflow_cli import run_migrations

from devstack import Replica
from tests.conftest import TIMEOUT_UNIT


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[Replica]:
    """Its own process, so blocking tools (Schemathesis, a generated client) drive it freely."""
    env = {
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'taskflow.db'}",
        "ENVIRONMENT": "test",
        "REDIS_URL": "",
        "MONGODB_URI": "",
        "LOG_LEVEL": "warning",
    }
    run_migrations(env, cwd=tmp_path)
    replica = Replica(env=env, workdir=tmp_path, name="openapi")
    replica.start(timeout=30 * TIMEOUT_UNIT)
    yield replica
    replica.stop()
