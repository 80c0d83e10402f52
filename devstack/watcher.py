"""A live-board socket read by a background task, for tests and the soak bench.

Every frame the server sends is held to `/asyncapi.json` (devstack.asyncapi) unless the
watcher is made with `check_frames=False`; a drifting frame ends the watcher.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable, Sequence
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from devstack import asyncapi
from devstack.waiting import time_scale

Frame = dict[str, Any]


def ws_url(base_url: str, board_id: int, token: str | None, since: int | None = None) -> str:
    url = base_url.replace("http://", "ws://") + f"/ws/boards/{board_id}"
    params = []
    if token is not None:
        params.append(f"token={token}")
    if since is not None:
        params.append(f"since={since}")
    return url + ("?" + "&".join(params) if params else "")


async def open_socket(
    base_url: str, board_id: int, token: str, since: int | None, open_timeout: float = 10.0
) -> ClientConnection:
    return await connect(
        ws_url(base_url, board_id, token, since),
        open_timeout=open_timeout * time_scale(),
        compression=None,
        proxy=None,
        max_size=2**22,
        ping_interval=None,
    )


class Watcher:
    """Keeps every frame it receives, stamped with its arrival time, across reconnections.

    With `resume_url`, a dropped socket is reopened there with `since=<last seq>` after
    `resume_delay` (retried until `resume_deadline`, at most `max_resumes` times), as the
    browser client does; without it, a drop ends the watcher. A command sent with `command` is
    re-sent with the same `ref` after each reconnection until answered, so it is never given up
    on, and never applied twice if the server keeps its promise about refs.
    """

    def __init__(
        self,
        name: str,
        url: str,
        board_id: int,
        token: str,
        *,
        resume_url: str | None = None,
        resume_delay: float = 0.0,
        resume_deadline: float = 30.0,
        max_resumes: int | None = None,
        open_timeout: float = 10.0,
        check_frames: bool = True,
    ) -> None:
        self.name = name
        self.url = url
        self.board_id = board_id
        self.token = token
        self.resume_url = resume_url
        self.resume_delay = resume_delay
        self.resume_deadline = resume_deadline
        self.max_resumes = max_resumes
        self.open_timeout = open_timeout
        self.check_frames = check_frames
        self.frames: list[Frame] = []
        self.arrivals: list[float] = []
        self.hellos: list[Frame] = []
        self.hello_times: list[float] = []
        self.drops: list[float] = []  # when each resumed drop happened
        self.closes: list[int | None] = []  # the code of each close the server sent (None: none)
        self.replies: dict[str, list[Frame]] = {}
        self.resent = 0  # commands sent again after a reconnection
        self.ended: str | None = None
        self.last_seq = 0
        self.socket: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._pending: dict[str, tuple[str, asyncio.Future[Frame]]] = {}
        self._changed = asyncio.Condition()
        self._closing = False

    # Reading

    def keep(self, frame: Frame, at: float) -> None:
        """Store a frame as it arrives, before `last_seq` moves (a subclass may count instead)."""
        self.frames.append(frame)
        self.arrivals.append(at)

    @property
    def events(self) -> list[Frame]:
        return [frame for frame in self.frames if frame["type"] == "event"]

    def timed(self, *kinds: str) -> list[tuple[float, Frame]]:
        """(arrival, frame) of the frames of these types, in order."""
        return [
            (at, frame)
            for at, frame in zip(self.arrivals, self.frames, strict=True)
            if frame["type"] in kinds
        ]

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
            for at, frame in self.timed("hello", "presence")
        ]

    def arrival_of(self, seq: int) -> float:
        for at, frame in self.timed("event"):
            if frame["seq"] == seq:
                return at
        raise AssertionError(f"{self.name}: no event {seq}")

    # Life cycle

    async def start(self) -> Watcher:
        self.socket = await self._open(self.url, since=None)
        self._reader = asyncio.create_task(self._read_forever(), name=f"watcher {self.name}")
        return self

    async def _open(self, base_url: str, since: int | None) -> ClientConnection:
        socket = await open_socket(base_url, self.board_id, self.token, since, self.open_timeout)
        try:
            hello = json.loads(
                await asyncio.wait_for(socket.recv(), self.open_timeout * time_scale())
            )
            if hello["type"] != "hello":
                raise AssertionError(f"{self.name}: first frame {hello}")
            if self.check_frames:
                asyncapi.check_server_frame(hello)
        except BaseException:
            await socket.close()
            raise
        self.hellos.append(hello)
        self.hello_times.append(time.monotonic())
        if since is None:
            self.last_seq = int(hello["seq"])
        await self._record(hello)
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
                    if self.check_frames and (drift := asyncapi.problems(frame, "sendFrames")):
                        # Ends the watcher: every wait then fails with this reason.
                        await self._end(f"frame not in /asyncapi.json: {drift}: {raw[:500]!r}")
                        return
                    await self._record(frame)
            except ConnectionClosed:
                pass
            received = socket.protocol.close_rcvd
            self.closes.append(received.code if received is not None else None)
            reason = f"closed ({self.closes[-1]})"
            if (
                self._closing
                or self.resume_url is None
                or (self.max_resumes is not None and len(self.drops) >= self.max_resumes)
            ):
                await self._end(reason)
                return
            self.drops.append(time.monotonic())
            try:
                self.socket = await self._resume(self.resume_url)
            except Exception as exc:
                await self._end(f"could not resume after {reason}: {exc!r}")
                return

    async def _resume(self, base_url: str) -> ClientConnection:
        await asyncio.sleep(self.resume_delay)
        deadline = time.monotonic() + self.resume_deadline * time_scale()
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
        self.keep(frame, time.monotonic())
        kind = frame["type"]
        if kind in ("event", "resync"):
            self.last_seq = max(self.last_seq, int(frame["seq"]))
        elif kind in ("ack", "error") and frame.get("ref") is not None:
            ref = frame["ref"]
            self.replies.setdefault(ref, []).append(frame)
            pending = self._pending.pop(ref, None)
            if pending is not None and not pending[1].done():
                pending[1].set_result(frame)
        async with self._changed:
            self._changed.notify_all()

    async def _end(self, reason: str) -> None:
        self.ended = reason
        for _, future in self._pending.values():
            if not future.done():
                future.set_exception(ConnectionError(f"{self.name}: {reason}"))
        async with self._changed:
            self._changed.notify_all()

    async def close(self) -> None:
        self._closing = True
        if self.socket is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.socket.close(), 5 * time_scale())
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(BaseException):
                await self._reader

    # Waiting

    async def wait_until(
        self, predicate: Callable[[], bool], what: str, timeout: float = 10.0
    ) -> None:
        """Until `predicate()` holds; fails at once if the watcher ends, else after `timeout`."""
        async with self._changed:
            try:
                await asyncio.wait_for(
                    self._changed.wait_for(lambda: predicate() or self.ended is not None),
                    timeout * time_scale(),
                )
            except TimeoutError:
                raise AssertionError(
                    f"{self.name}: no {what} within {timeout} s (at seq {self.last_seq})"
                ) from None
        if not predicate():
            raise AssertionError(f"{self.name}: ended ({self.ended}) at seq {self.last_seq}")

    async def wait_seq(self, seq: int, timeout: float = 20.0) -> None:
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

    async def command(
        self, kind: str, data: dict[str, Any], ref: str, timeout: float = 40.0
    ) -> Frame:
        """Send until answered (re-sent with the same ref after every reconnection)."""
        assert ref not in self._pending
        frame = {"type": kind, "ref": ref, "data": data}
        asyncapi.check_client_frame(frame)
        text = json.dumps(frame)
        future: asyncio.Future[Frame] = asyncio.get_running_loop().create_future()
        self._pending[ref] = (text, future)
        if self.socket is not None:
            with contextlib.suppress(ConnectionClosed):
                await self.socket.send(text)
        return await asyncio.wait_for(future, timeout * time_scale())


async def wait_all(watchers: Sequence[Watcher], seq: int, timeout: float = 20.0) -> None:
    await asyncio.gather(*(watcher.wait_seq(seq, timeout) for watcher in watchers))


async def close_all(watchers: Sequence[Watcher]) -> None:
    await asyncio.gather(*(watcher.close() for watcher in watchers))
