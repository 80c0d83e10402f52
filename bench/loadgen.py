"""The load tool: several worker processes holding the sockets, driven as one fleet.

One core cannot read thousands of sockets fast enough to tell a fast server from a slow
one, so the sockets are dealt round-robin to `workers` processes (`bench.worker`); the fleet
sends every command to all of them at once and merges their reports.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from types import TracebackType
from typing import Any

from bench import worker
from bench.records import ConnectReport, WindowReport

COMMAND_GRACE = 30.0


@dataclass(frozen=True)
class Target:
    """One socket to open: its full URL (token included) and the board it subscribes to."""

    url: str
    board_id: int


class WorkerFailed(RuntimeError):
    pass


class Fleet:
    """`workers` load processes; every method fans a command out and merges the replies."""

    def __init__(self, workers: int) -> None:
        self.size = max(1, workers)
        self._pipes: list[Connection] = []
        self._processes: list[BaseProcess] = []

    def start(self) -> Fleet:
        context = multiprocessing.get_context("spawn")
        for number in range(self.size):
            ours, theirs = context.Pipe()
            process = context.Process(
                target=worker.main, args=(theirs,), name=f"bench-worker-{number}", daemon=True
            )
            process.start()
            theirs.close()
            self._pipes.append(ours)
            self._processes.append(process)
        return self

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self._processes if p.pid is not None]

    async def connect(
        self,
        targets: Sequence[Target],
        *,
        concurrency: int = 100,
        timeout: float = 30.0,
        deadline: float = 90.0,
    ) -> ConnectReport:
        """Open the targets; `concurrency` handshakes in flight per worker, `timeout` each,
        `deadline` for the whole phase."""
        shares: list[list[tuple[str, int]]] = [[] for _ in self._pipes]
        for index, target in enumerate(targets):
            shares[index % self.size].append((target.url, target.board_id))
        replies = await self._all(
            [
                (
                    "connect",
                    {
                        "targets": share,
                        "concurrency": concurrency,
                        "timeout": timeout,
                        "deadline": deadline,
                    },
                )
                for share in shares
            ],
            deadline + COMMAND_GRACE,
        )
        merged = ConnectReport()
        for reply in replies:
            merged.merge(reply)
        return merged

    async def start_window(self) -> None:
        await self._all([("window", {})] * self.size, COMMAND_GRACE)

    async def drain(self, finals: dict[int, int], *, timeout: float) -> WindowReport:
        replies = await self._all(
            [("drain", {"finals": finals, "timeout": timeout})] * self.size,
            timeout + COMMAND_GRACE,
        )
        merged = WindowReport()
        for reply in replies:
            merged.merge(reply)
        return merged

    async def close_sockets(self) -> Counter[str]:
        codes: Counter[str] = Counter()
        for reply in await self._all([("close", {})] * self.size, COMMAND_GRACE):
            codes.update(reply)
        return codes

    async def reset(self) -> None:
        """Close every socket; workers that stopped answering are replaced by fresh ones."""
        try:
            await self.close_sockets()
        except WorkerFailed:
            await asyncio.to_thread(self.stop)
            self.start()

    def stop(self) -> None:
        """Ask the workers to exit, then make sure they did."""
        for pipe in self._pipes:
            with contextlib.suppress(OSError, ValueError):
                pipe.send(("exit", {}))
        for process in self._processes:
            process.join(5)
            if process.is_alive():
                process.kill()
                process.join(5)
        for pipe in self._pipes:
            pipe.close()
        self._pipes.clear()
        self._processes.clear()

    async def _all(self, commands: list[tuple[str, dict[str, Any]]], timeout: float) -> list[Any]:
        for pipe, command in zip(self._pipes, commands, strict=True):
            pipe.send(command)
        replies = await asyncio.gather(*(self._reply(pipe, timeout) for pipe in self._pipes))
        for reply in replies:
            if isinstance(reply, BaseException):
                raise WorkerFailed(str(reply))
        return replies

    @staticmethod
    async def _reply(pipe: Connection, timeout: float) -> Any:
        def wait() -> Any:
            try:
                if not pipe.poll(timeout):
                    raise WorkerFailed(f"a load worker did not answer within {timeout:.0f} s")
                return pipe.recv()
            except (EOFError, OSError) as exc:
                raise WorkerFailed(f"a load worker died: {exc!r}") from exc

        return await asyncio.to_thread(wait)

    async def __aenter__(self) -> Fleet:
        return self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await asyncio.to_thread(self.stop)
