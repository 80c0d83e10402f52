"""One load worker process: holds a share of the sockets and records every frame they get.

Driven over a `multiprocessing` pipe by `bench.loadgen.Fleet`, one command at a time:
`connect`, `window` (start measuring afresh), `drain` (wait for the final seqs, report),
`close`. The receive path is the hot loop of the whole benchmark, so it parses each distinct
frame once per process (every socket of a board gets the same text) and keeps per-delivery
work to a clock read, a dict lookup and a few appends.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Callable
from functools import partial
from multiprocessing.connection import Connection
from typing import Any

import orjson
import uvloop
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.frames import Frame, Opcode
from websockets.protocol import Event

from bench.limits import raise_fd_limit
from bench.records import ConnectReport, WindowReport
from bench.wire import monotonic_of_iso, sent_at_of

EVENT, HELLO, RESYNC, OTHER = 0, 1, 2, 3
Decoded = tuple[int, int, int, float | None, float | None]  # kind, board, seq, sent, server stamp
CACHE_LIMIT = 4096
DRAIN_POLL = 0.02


def decode(message: str | bytes) -> Decoded:
    frame = orjson.loads(message)
    kind = frame.get("type")
    if kind == "event":
        return (
            EVENT,
            int(frame["board_id"]),
            int(frame["seq"]),
            sent_at_of(frame.get("data")),
            monotonic_of_iso(frame.get("ts")),
        )
    if kind == "hello":
        return HELLO, int(frame["board_id"]), int(frame["seq"]), None, None
    if kind == "resync":
        return RESYNC, 0, int(frame["seq"]), None, None
    return OTHER, 0, 0, None, None


def failure_reason(exc: BaseException) -> str:
    if isinstance(exc, InvalidStatus):
        return f"http {exc.response.status_code}"
    if isinstance(exc, ConnectionClosed):
        code = exc.rcvd.code if exc.rcvd is not None else 1006
        return f"closed {code}"
    if isinstance(exc, TimeoutError):
        return "timeout"
    return f"{type(exc).__name__}: {str(exc)[:80]}"


class StreamingConnection(ClientConnection):
    """A client connection that hands each text frame to `deliver` as soon as it is parsed.

    The stock `recv()` path queues every frame and wakes a reader task for it; with a few
    thousand sockets per process that wakeup costs more CPU than the server spends sending,
    and the load tool, not the server, would set the pace. The handshake, pings, pongs and
    the close still take the library's own path.
    """

    deliver: Callable[[bytes | bytearray | memoryview], None] | None = None

    def process_event(self, event: Event) -> None:
        if (
            self.deliver is not None
            and isinstance(event, Frame)
            and event.opcode is Opcode.TEXT
            and event.fin
        ):
            self.deliver(event.data)
            return
        super().process_event(event)


class Subscriber:
    __slots__ = ("accounted", "board_id", "close_code", "closed_reported", "last_seq", "ws")

    def __init__(self, board_id: int, ws: StreamingConnection, seq: int) -> None:
        self.board_id = board_id
        self.ws: StreamingConnection = ws
        self.last_seq = seq
        # After the socket ended: the seq up to which its missing events were counted lost.
        self.accounted = seq
        self.close_code: int | None = None
        self.closed_reported = False


class LoadWorker:
    def __init__(self) -> None:
        self.subscribers: list[Subscriber] = []
        self.tasks: set[asyncio.Task[None]] = set()
        self.cache: dict[bytes, Decoded] = {}
        self.window = WindowReport()
        self.window_cpu = time.process_time()

    # Connect

    async def connect(
        self, targets: list[tuple[str, int]], concurrency: int, timeout: float, deadline: float
    ) -> ConnectReport:
        """Open every target (at most `concurrency` handshakes at a time, each within
        `timeout`); sockets without a hello after `deadline` seconds count as failed."""
        report = ConnectReport(attempted=len(targets), started_at=time.monotonic())
        gate = asyncio.Semaphore(max(1, concurrency))
        settled = [asyncio.get_running_loop().create_future() for _ in targets]
        for (url, board_id), done in zip(targets, settled, strict=True):
            task = asyncio.create_task(self._subscribe(url, board_id, gate, done, report, timeout))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
        _, pending = await asyncio.wait(settled, timeout=deadline)
        if pending:
            report.failures["no hello before the deadline"] += len(pending)
            for late in pending:
                late.cancel()  # a hello after the deadline no longer counts
        return report

    async def _subscribe(
        self,
        url: str,
        board_id: int,
        gate: asyncio.Semaphore,
        settled: asyncio.Future[None],
        report: ConnectReport,
        timeout: float,
    ) -> None:
        ws: ClientConnection | None = None
        try:
            async with gate:
                ws = await connect(
                    url,
                    compression=None,
                    open_timeout=timeout,
                    ping_interval=None,
                    close_timeout=2,
                    max_size=1 << 20,
                    proxy=None,
                    create_connection=StreamingConnection,
                )
                first = await asyncio.wait_for(ws.recv(), timeout)
            kind, _, seq, _, _ = decode(first)
            if kind != HELLO:
                raise RuntimeError(f"first frame was not hello ({first[:40]!r})")
        except Exception as exc:
            if ws is not None:
                ws.transport.abort()
            if not settled.done():
                report.failures[failure_reason(exc)] += 1
                settled.set_result(None)
            return
        if settled.done():  # past the connect deadline: already counted as failed
            await ws.close()
            return
        assert isinstance(ws, StreamingConnection)
        subscriber = Subscriber(board_id, ws, seq)
        self.subscribers.append(subscriber)
        report.hello_times.append(time.monotonic())
        report.helloed += 1
        settled.set_result(None)
        await self._receive(subscriber)

    # Receive: the hot path

    def _on_text(self, subscriber: Subscriber, data: bytes | bytearray | memoryview) -> None:
        now = time.monotonic()
        message = bytes(data)  # hashable, for the parse cache
        window = self.window
        window.frames += 1
        window.bytes_received += len(message)
        decoded = self.cache.get(message)
        if decoded is None:
            decoded = decode(message)
            if decoded[0] == EVENT:
                if len(self.cache) >= CACHE_LIMIT:
                    self.cache.clear()
                self.cache[message] = decoded
        kind, board_id, seq, sent_at, server_at = decoded
        if kind == EVENT:
            window.event_frames += 1
            window.event_bytes += len(message)
            last = subscriber.last_seq
            if seq <= last:
                window.duplicated += 1
                return
            if seq != last + 1:
                window.lost += seq - last - 1
            subscriber.last_seq = seq
            window.deliveries += 1
            if window.first_receipt > now:
                window.first_receipt = now
            window.last_receipt_at = now
            if sent_at is not None:
                window.latencies.append(now - sent_at)
                key = (board_id, seq)
                if key not in window.sent_at:
                    window.sent_at[key] = sent_at
                window.last_receipt[key] = now
            if server_at is not None:
                window.server_latencies.append(now - server_at)
        elif kind == RESYNC:
            window.resyncs += 1
            subscriber.last_seq = seq

    async def _receive(self, subscriber: Subscriber) -> None:
        ws = subscriber.ws
        ws.deliver = partial(self._on_text, subscriber)
        try:
            # Frames parsed before `deliver` was set (presence after hello) still sit in the
            # library's queue; this loop takes them, then waits for the close.
            async for message in ws:
                if isinstance(message, str):
                    self._on_text(subscriber, message.encode())
        except ConnectionClosed:
            pass
        finally:
            subscriber.close_code = ws.close_code or 1006

    # Windows

    def start_window(self) -> None:
        self.window = WindowReport()
        self.window_cpu = time.process_time()

    async def drain(self, finals: dict[int, int], timeout: float) -> WindowReport:
        """Wait until every socket has the final seq of its board (or ended, or time is up)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            behind = any(
                s.close_code is None and s.last_seq < finals.get(s.board_id, 0)
                for s in self.subscribers
            )
            if not behind:
                break
            await asyncio.sleep(DRAIN_POLL)
        window = self.window
        self.window = WindowReport()  # late frames must not touch the report being sent
        for subscriber in self.subscribers:
            missing = max(0, finals.get(subscriber.board_id, 0) - subscriber.last_seq)
            if subscriber.close_code is None:
                # Left as is: if they arrive later, they count in the next window, late.
                window.undelivered += missing
            else:
                final = finals.get(subscriber.board_id, 0)
                window.lost += max(0, final - max(subscriber.last_seq, subscriber.accounted))
                subscriber.accounted = max(subscriber.accounted, final)
                if not subscriber.closed_reported:
                    subscriber.closed_reported = True
                    window.closed[str(subscriber.close_code)] += 1
        window.client_cpu_seconds = time.process_time() - self.window_cpu
        return window

    async def close(self) -> Counter[str]:
        codes: Counter[str] = Counter()
        closing = [s.ws.close() for s in self.subscribers if s.close_code is None]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*closing, return_exceptions=True), 10)
        for subscriber in self.subscribers:
            if subscriber.close_code is None:
                subscriber.ws.transport.abort()
        for task in tuple(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        for subscriber in self.subscribers:
            codes[str(subscriber.close_code)] += 1
        self.subscribers.clear()
        return codes


async def serve(pipe: Connection) -> None:
    worker = LoadWorker()
    while True:
        command, args = await asyncio.to_thread(pipe.recv)
        if command == "exit":
            pipe.send(None)
            return
        try:
            reply = await run_command(worker, command, args)
        except Exception as exc:  # reported to the fleet, which raises it in the parent
            reply = RuntimeError(f"{command}: {exc!r}")
        pipe.send(reply)


async def run_command(worker: LoadWorker, command: str, args: dict[str, Any]) -> Any:
    if command == "connect":
        return await worker.connect(**args)
    if command == "window":
        worker.start_window()
        return None
    if command == "drain":
        return await worker.drain(**args)
    if command == "close":
        return await worker.close()
    raise ValueError(f"unknown command {command!r}")


def main(pipe: Connection) -> None:
    """Process entry point (spawned by the fleet)."""
    raise_fd_limit()
    uvloop.run(serve(pipe))
