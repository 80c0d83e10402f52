"""Live-board sockets for fault tests: each records the seqs it saw and can resume with `since`."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from tests.conftest import TIMEOUT_UNIT
from tests.support import asyncapi
from tests.support.live import ws_url

RESUME_DEADLINE = 30.0


@dataclass
class Seen:
    """One event or resync as it arrived."""

    kind: str
    seq: int
    at: float
    data: dict[str, Any] = field(default_factory=dict)


class Watcher:
    """A subscriber that keeps every event and resync; with `resume_url`, a dropped socket is
    reopened there with `since=<last seq>` (bounded in time), as the browser client does.

    Commands sent with `command` are re-sent with the same `ref` after each reconnection until
    answered, so a command is never given up on, and never applied twice if the server keeps
    its promise about refs.
    """

    def __init__(
        self, name: str, url: str, board_id: int, token: str, *, resume_url: str | None = None
    ) -> None:
        self.name = name
        self.url = url
        self.board_id = board_id
        self.token = token
        self.resume_url = resume_url
        self.seen: list[Seen] = []
        self.hellos: list[dict[str, Any]] = []
        self.closes: list[int | None] = []  # the code of each close the server sent (None: none)
        self.replies: dict[str, list[dict[str, Any]]] = {}
        self.other: list[dict[str, Any]] = []
        self.last_seq = 0
        self.resent = 0  # commands sent again after a reconnection
        self.ended: str | None = None
        self.socket: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._pending: dict[str, tuple[str, asyncio.Future[dict[str, Any]]]] = {}
        self._progress = asyncio.Event()
        self._stopping = False

    # Life cycle

    async def start(self) -> Watcher:
        self.socket = await self._open(self.url, since=None)
        self._reader = asyncio.create_task(self._read_forever(), name=f"watcher {self.name}")
        return self

    async def _open(self, base_url: str, since: int | None) -> ClientConnection:
        socket = await connect(
            ws_url(base_url, self.board_id, self.token, since),
            open_timeout=10 * TIMEOUT_UNIT,
            compression=None,
            proxy=None,
            max_size=2**22,
            ping_interval=None,
        )
        try:
            hello = json.loads(await asyncio.wait_for(socket.recv(), 10 * TIMEOUT_UNIT))
        except BaseException:
            await socket.close()
            raise
        if hello["type"] != "hello":
            await socket.close()
            raise AssertionError(f"{self.name}: first frame {hello}")
        asyncapi.check_server_frame(hello)
        self.hellos.append(hello)
        if since is None:
            self.last_seq = int(hello["seq"])
        return socket

    async def _read_forever(self) -> None:
        while True:
            socket = self.socket
            assert socket is not None
            if len(self.hellos) > 1:
                for text, _ in tuple(self._pending.values()):  # unanswered: again, same ref
                    self.resent += 1
                    with contextlib.suppress(ConnectionClosed):
                        await socket.send(text)
            try:
                async for raw in socket:
                    frame = json.loads(raw)
                    if drift := asyncapi.problems(frame, "sendFrames"):
                        # Ends the watcher: every wait then fails with this reason.
                        self._end(f"frame not in /asyncapi.json: {drift}: {raw[:500]}")
                        return
                    self._record(frame)
            except ConnectionClosed:
                pass
            received = socket.protocol.close_rcvd
            self.closes.append(received.code if received is not None else None)
            if self._stopping or self.resume_url is None:
                self._end(f"closed ({self.closes[-1]})")
                return
            try:
                self.socket = await self._resume(self.resume_url)
            except Exception as exc:
                self._end(f"could not resume: {exc!r}")
                return

    async def _resume(self, base_url: str) -> ClientConnection:
        deadline = time.monotonic() + RESUME_DEADLINE * TIMEOUT_UNIT
        delay = 0.05
        while True:
            try:
                return await self._open(base_url, since=self.last_seq)
            except (OSError, InvalidHandshake, InvalidStatus, ConnectionClosed, TimeoutError):
                if time.monotonic() + delay > deadline:
                    raise
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.5)

    def _record(self, frame: dict[str, Any]) -> None:
        kind = frame["type"]
        if kind in ("event", "resync"):
            seq = int(frame["seq"])
            self.seen.append(Seen(kind, seq, time.monotonic(), frame.get("data") or {}))
            self.last_seq = max(self.last_seq, seq)
            self._progress.set()
        elif kind in ("ack", "error") and frame.get("ref") is not None:
            ref = frame["ref"]
            self.replies.setdefault(ref, []).append(frame)
            pending = self._pending.pop(ref, None)
            if pending is not None and not pending[1].done():
                pending[1].set_result(frame)
        elif kind != "presence":
            self.other.append(frame)

    def _end(self, reason: str) -> None:
        self.ended = reason
        for _, future in self._pending.values():
            if not future.done():
                future.set_exception(ConnectionError(f"{self.name}: {reason}"))
        self._progress.set()

    async def close(self) -> None:
        self._stopping = True
        if self.socket is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.socket.close(), 5 * TIMEOUT_UNIT)
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(BaseException):
                await self._reader

    # Use

    @property
    def events(self) -> list[Seen]:
        return [item for item in self.seen if item.kind == "event"]

    async def wait_seq(self, seq: int, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout * TIMEOUT_UNIT
        while self.last_seq < seq:
            if self.ended is not None:
                raise AssertionError(f"{self.name} ended ({self.ended}) at seq {self.last_seq}")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"{self.name}: at seq {self.last_seq}, not {seq}")
            self._progress.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._progress.wait(), remaining)

    async def command(
        self, kind: str, data: dict[str, Any], ref: str, timeout: float = 40.0
    ) -> dict[str, Any]:
        """Send until answered (re-sent with the same ref after every reconnection)."""
        frame = {"type": kind, "ref": ref, "data": data}
        asyncapi.check_client_frame(frame)
        text = json.dumps(frame)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[ref] = (text, future)
        if self.socket is not None:
            with contextlib.suppress(ConnectionClosed):
                await self.socket.send(text)
        return await asyncio.wait_for(future, timeout * TIMEOUT_UNIT)


async def open_watchers(
    count: int,
    name: str,
    url: str,
    board_id: int,
    tokens: list[str],
    *,
    resume_url: str | None = None,
    batch: int = 25,
) -> list[Watcher]:
    """`count` watchers on `url`, opened `batch` at a time, tokens taken in turn."""
    watchers: list[Watcher] = []
    for start in range(0, count, batch):
        watchers += await asyncio.gather(
            *(
                Watcher(
                    f"{name} {index}",
                    url,
                    board_id,
                    tokens[index % len(tokens)],
                    resume_url=resume_url,
                ).start()
                for index in range(start, min(count, start + batch))
            )
        )
    return watchers


async def close_all(watchers: list[Watcher]) -> None:
    await asyncio.gather(*(watcher.close() for watcher in watchers))


async def wait_all(watchers: list[Watcher], seq: int, timeout: float = 20.0) -> None:
    await asyncio.gather(*(watcher.wait_seq(seq, timeout) for watcher in watchers))


def delivery_faults(watcher: Watcher, first: int, last: int) -> str | None:
    """What is wrong with the watcher's events first..last, or None if each came once, in order.

    A `resync` is the contract's other way out: the events it covers may be missing, and the
    client reloads the snapshot instead (the tests check the snapshot then covers them).
    """
    expected = first
    for item in watcher.seen:
        if item.kind == "resync":
            expected = max(expected, item.seq + 1)
        elif item.seq < first:
            continue
        elif item.seq != expected:
            problem = "duplicate or backwards" if item.seq < expected else "gap"
            return f"{watcher.name}: {problem}: event {item.seq} where {expected} was due"
        else:
            expected += 1
    if expected != last + 1:
        return f"{watcher.name}: events end at {expected - 1}, not {last}"
    return None


def assert_every_seq_once(watchers: list[Watcher], first: int, last: int) -> int:
    """Every watcher got first..last once each, in order (or a resync); returns resync count."""
    faults = [fault for watcher in watchers if (fault := delivery_faults(watcher, first, last))]
    assert not faults, f"{len(faults)} of {len(watchers)} watchers: {faults[:5]}"
    return sum(1 for watcher in watchers for item in watcher.seen if item.kind == "resync")
