"""A live-board subscriber read by a background task, and what cluster tests assert on it."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from tests.conftest import TIMEOUT_UNIT, Account
from tests.support import asyncapi
from tests.support.live import ws_url

Frame = dict[str, Any]
RECONNECT_DEADLINE = 20.0
MAX_RESUMES = 5


async def open_socket(
    base_url: str, board_id: int, token: str, since: int | None
) -> ClientConnection:
    return await connect(
        ws_url(base_url, board_id, token, since),
        open_timeout=10 * TIMEOUT_UNIT,
        compression=None,
        proxy=None,
        max_size=2**22,
    )


class Subscriber:
    """Keeps every frame it receives, stamped with its arrival time, across reconnections.

    With `resume_url`, a dropped connection is reopened there with `since=<last seq>` after
    `resume_delay` (retried, bounded in time); without it, a drop ends the subscriber.
    Commands wait for their `ack`/`error` by ref.
    """

    def __init__(
        self,
        name: str,
        url: str,
        board_id: int,
        account: Account,
        resume_url: str | None = None,
        resume_delay: float = 0.0,
    ) -> None:
        self.name = name
        self.url = url
        self.board_id = board_id
        self.account = account
        self.resume_url = resume_url
        self.resume_delay = resume_delay
        self.frames: list[Frame] = []
        self.arrivals: list[float] = []
        self.hellos: list[Frame] = []
        self.hello_times: list[float] = []
        self.drops: list[float] = []
        self.ended: str | None = None
        self.last_seq = 0
        self._socket: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._pending: dict[str, asyncio.Future[Frame]] = {}
        self._changed = asyncio.Condition()
        self._closing = False

    # Reading

    @property
    def events(self) -> list[Frame]:
        return [frame for frame in self.frames if frame["type"] == "event"]

    @property
    def presences(self) -> list[tuple[float, set[str]]]:
        """(arrival, usernames) of every hello and presence frame, in order."""
        return [
            (
                at,
                {
                    user["username"]
                    for user in frame["presence" if "presence" in frame else "users"]
                },
            )
            for at, frame in zip(self.arrivals, self.frames, strict=True)
            if frame["type"] in ("hello", "presence")
        ]

    def arrival_of(self, seq: int) -> float:
        for at, frame in zip(self.arrivals, self.frames, strict=True):
            if frame["type"] == "event" and frame["seq"] == seq:
                return at
        raise AssertionError(f"{self.name}: no event {seq}")

    async def start(self) -> Subscriber:
        self._socket = await self._open(self.url, since=None)
        self._reader = asyncio.create_task(self._read_forever(), name=f"subscriber {self.name}")
        return self

    async def _open(self, base_url: str, since: int | None) -> ClientConnection:
        socket = await open_socket(base_url, self.board_id, self.account.token, since)
        try:
            hello = json.loads(await asyncio.wait_for(socket.recv(), 10 * TIMEOUT_UNIT))
        except BaseException:
            await socket.close()
            raise
        assert hello["type"] == "hello", f"{self.name}: first frame {hello}"
        asyncapi.check_server_frame(hello)
        self.hellos.append(hello)
        self.hello_times.append(time.monotonic())
        await self._record(hello)
        return socket

    async def _read_forever(self) -> None:
        while True:
            assert self._socket is not None
            try:
                async for raw in self._socket:
                    frame = json.loads(raw)
                    if drift := asyncapi.problems(frame, "sendFrames"):
                        # Ends the subscriber: every wait then fails with this reason.
                        await self._end(f"frame not in /asyncapi.json: {drift}: {raw[:500]}")
                        return
                    await self._record(frame)
                reason = f"closed by the server: {self._socket.close_code}"
            except ConnectionClosed as closed:
                reason = f"connection lost: {closed!r}"
            if self._closing or self.resume_url is None or len(self.drops) >= MAX_RESUMES:
                await self._end(reason)
                return
            self.drops.append(time.monotonic())
            try:
                self._socket = await self._reconnect(self.resume_url)
            except Exception as exc:
                await self._end(f"could not reconnect: {exc!r}")
                return

    async def _reconnect(self, base_url: str) -> ClientConnection:
        await asyncio.sleep(self.resume_delay)
        deadline = time.monotonic() + RECONNECT_DEADLINE * TIMEOUT_UNIT
        delay = 0.05
        while True:
            try:
                return await self._open(base_url, since=self.last_seq)
            except (OSError, InvalidHandshake, ConnectionClosed, TimeoutError):
                if time.monotonic() + delay > deadline:
                    raise
            await asyncio.sleep(delay)
            delay = min(delay * 2, 1.0)

    async def _record(self, frame: Frame) -> None:
        now = time.monotonic()
        self.frames.append(frame)
        self.arrivals.append(now)
        kind = frame["type"]
        if kind in ("event", "resync"):
            self.last_seq = max(self.last_seq, int(frame["seq"]))
        elif kind == "hello" and len(self.hellos) == 1:
            self.last_seq = int(frame["seq"])
        elif kind in ("ack", "error") and frame.get("ref") in self._pending:
            future = self._pending.pop(frame["ref"])
            if not future.done():
                future.set_result(frame)
        async with self._changed:
            self._changed.notify_all()

    async def _end(self, reason: str) -> None:
        self.ended = reason
        for future in self._pending.values():
            if not future.done():
                future.set_exception(ConnectionError(f"{self.name}: {reason}"))
        async with self._changed:
            self._changed.notify_all()

    # Waiting

    async def wait_until(self, predicate: Any, what: str, timeout: float = 10.0) -> None:
        """Until `predicate()` holds; fails at once if the subscriber ends, else after `timeout`."""
        async with self._changed:
            try:
                await asyncio.wait_for(
                    self._changed.wait_for(lambda: predicate() or self.ended is not None),
                    timeout * TIMEOUT_UNIT,
                )
            except TimeoutError:
                raise AssertionError(f"{self.name}: no {what} within {timeout} s") from None
        if not predicate():
            raise AssertionError(f"{self.name}: ended ({self.ended}) before {what}")

    async def wait_seq(self, seq: int, timeout: float = 10.0) -> None:
        await self.wait_until(lambda: self.last_seq >= seq, f"event {seq}", timeout)

    async def wait_presence(self, usernames: set[str], timeout: float = 10.0) -> float:
        """Until the latest hello/presence frame lists exactly `usernames`; its arrival time."""
        await self.wait_until(
            lambda: bool(self.presences) and self.presences[-1][1] == usernames,
            f"presence {sorted(usernames)}",
            timeout,
        )
        return self.presences[-1][0]

    # Commands

    async def command(self, kind: str, data: dict[str, Any], ref: str) -> Frame:
        assert self._socket is not None and ref not in self._pending
        future: asyncio.Future[Frame] = asyncio.get_running_loop().create_future()
        self._pending[ref] = future
        frame = {"type": kind, "ref": ref, "data": data}
        asyncapi.check_client_frame(frame)
        await self._socket.send(json.dumps(frame))
        return await asyncio.wait_for(future, 10 * TIMEOUT_UNIT)

    async def close(self) -> None:
        self._closing = True
        if self._socket is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._socket.close(), 5 * TIMEOUT_UNIT)
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(BaseException):
                await self._reader


async def wait_all(subscribers: list[Subscriber], seq: int, timeout: float = 15.0) -> None:
    await asyncio.gather(*(subscriber.wait_seq(seq, timeout) for subscriber in subscribers))


def assert_exactly_once_in_order(subscriber: Subscriber, last_seq: int, first_seq: int = 1) -> None:
    """Events first_seq..last_seq, each once, in increasing order, and never a `resync`."""
    resyncs = [frame for frame in subscriber.frames if frame["type"] == "resync"]
    assert not resyncs, f"{subscriber.name}: resync frames {resyncs}"
    seqs = [int(event["seq"]) for event in subscriber.events]
    expected = list(range(first_seq, last_seq + 1))
    if seqs != expected:
        seen = set(seqs)
        duplicates = sorted({seq for seq in seqs if seqs.count(seq) > 1})
        missing = [seq for seq in expected if seq not in seen]
        backwards = [b for a, b in itertools.pairwise(seqs) if b <= a]
        raise AssertionError(
            f"{subscriber.name}: {len(seqs)} events for seq {first_seq}..{last_seq}; "
            f"missing {missing[:20]}, duplicates {duplicates[:20]}, "
            f"out of order at {backwards[:20]}"
        )


def assert_same_frames(subscribers: list[Subscriber]) -> None:
    """Every subscriber parsed the same event frame for each seq."""
    reference = subscribers[0]
    by_seq = {event["seq"]: event for event in reference.events}
    for other in subscribers[1:]:
        for event in other.events:
            assert event == by_seq.get(event["seq"]), (
                f"event {event['seq']}: {other.name} got {event}, "
                f"{reference.name} got {by_seq.get(event['seq'])}"
            )


def delivery_spread(subscribers: list[Subscriber], seqs: range) -> float:
    """The longest time between the first and the last subscriber receiving one of `seqs`."""
    spreads = [0.0]
    for seq in seqs:
        arrivals = [subscriber.arrival_of(seq) for subscriber in subscribers]
        spreads.append(max(arrivals) - min(arrivals))
    return max(spreads)
