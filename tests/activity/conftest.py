"""A throwaway MongoDB wire server (devstack's nx-27017 wrapper) per test, on a free port."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from devstack import MongoWireServer


@pytest.fixture
def mongo_stopped(tmp_path: Path) -> Iterator[MongoWireServer]:
    """A server with a reserved port that the test starts (and may stop) itself."""
    server = MongoWireServer(workdir=tmp_path / "mongo")
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def mongo_server(mongo_stopped: MongoWireServer) -> MongoWireServer:
    mongo_stopped.start()
    return mongo_stopped
