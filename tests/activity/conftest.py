"""A throwaway nx-27017 (MongoDB wire protocol over in-memory SQLite) per test, on a free port."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from tests.conftest import TIMEOUT_UNIT

NX_27017 = Path(sys.executable).with_name("nx-27017")
START_TIMEOUT = 15 * TIMEOUT_UNIT
STOP_TIMEOUT = 5 * TIMEOUT_UNIT


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class NxServer:
    """One nx-27017 process that can be started, stopped and started again on the same port."""

    def __init__(self, workdir: Path) -> None:
        self.port = _free_port()
        self._workdir = workdir
        self._proc: asyncio.subprocess.Process | None = None

    @property
    def uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}"

    async def start(self) -> None:
        assert self._proc is None, "already running"
        # Own pid and log files: the defaults live in /tmp and a second server refuses to start
        # while the pid file names a live process.
        self._proc = await asyncio.create_subprocess_exec(
            str(NX_27017),
            *("--db", "memory", "--host", "127.0.0.1", "-p", str(self.port)),
            *("--pid-file", str(self._workdir / "nx.pid")),
            *("--log-file", str(self._workdir / "nx.log")),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            await asyncio.wait_for(self._accepting(self._proc), START_TIMEOUT)
        except BaseException:
            await self.stop()
            raise

    async def _accepting(self, proc: asyncio.subprocess.Process) -> None:
        while proc.returncode is None:
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
            except OSError:
                await asyncio.sleep(0.05)
            else:
                writer.close()
                await writer.wait_closed()
                return
        log = (self._workdir / "nx.log").read_text(errors="replace")[-2000:]
        raise RuntimeError(f"nx-27017 exited with {proc.returncode}:\n{log}")

    async def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.returncode is None:
            proc.terminate()
        try:
            await asyncio.wait_for(proc.wait(), STOP_TIMEOUT)
        except TimeoutError:
            proc.kill()
            await proc.wait()


@pytest.fixture
async def nx_stopped(tmp_path: Path) -> AsyncIterator[NxServer]:
    """A server with a reserved port that the test starts (and may stop) itself."""
    server = NxServer(tmp_path)
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def nx_server(nx_stopped: NxServer) -> NxServer:
    await nx_stopped.start()
    return nx_stopped
