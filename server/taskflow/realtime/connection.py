"""One subscriber socket's outbound side: frames straight to the transport, a queue only when behind."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque

from starlette.types import Send

from taskflow.metrics import SLOW_CONSUMERS
from taskflow.realtime.fast_path import WriteNow, encode_text_frame
from taskflow.realtime.presence import UserRef
from taskflow.realtime.protocol import CLOSE_TOO_SLOW

log = logging.getLogger("taskflow.realtime")
# How long a server-side close (4408, 4410, ...) may take to reach a peer once its reader is done.
CLOSE_GRACE = 2.0


class Connection:
    """Sends its frames in the order they were pushed; `push` never waits.

    The hub hands the same frame to every socket of a room without awaiting any of them. When
    the server offers `write_now` (see `fast_path`), a frame goes straight to the transport
    while nothing is queued or being sent. A socket that cannot take it now (its transport is
    paused: the peer reads slowly) gets a bounded queue and one writer task, the only sender
    until the queue is drained; both are dropped then. A socket whose queue is full is closed
    with 4408 instead of slowing the others. Without `write_now` every frame takes the queue.
    """

    __slots__ = (
        "board_id",
        "close_code",
        "close_reason",
        "limit",
        "opened",
        "queue",
        "send",
        "sending",
        "session_id",
        "user",
        "write_now",
        "writer",
    )

    def __init__(
        self,
        *,
        send: Send,
        board_id: int,
        user: UserRef,
        limit: int,
        write_now: WriteNow | None = None,
        session_id: int | None = None,
    ) -> None:
        self.send = send
        # The server-side session of the socket's token: ending it closes the socket (4401).
        self.session_id = session_id
        self.write_now = write_now
        # Live frames wait until the opening frames (hello, replay) went out.
        self.opened = False
        # The writer has popped a frame that is still on its way through `send`.
        self.sending = False
        self.board_id = board_id
        self.user = user
        self.limit = limit
        self.queue: deque[str] | None = None
        self.writer: asyncio.Task[None] | None = None
        self.close_code: int | None = None
        self.close_reason = ""

    @property
    def user_id(self) -> int:
        return self.user["id"]

    @property
    def closing(self) -> bool:
        return self.close_code is not None

    def push(self, frame: str, wire: bytes | None = None) -> None:
        """Send `frame` after everything pushed before it; `wire` is its encoded frame, if known."""
        if self.close_code is not None:
            return
        write_now = self.write_now  # the hot path of every delivery: no call more than needed
        if (
            write_now is not None
            and self.opened
            and not self.queue
            and not self.sending
            and write_now(wire if wire is not None else encode_text_frame(frame))
        ):
            return
        queue = self.queue
        if queue is None:
            queue = self.queue = deque()
        if len(queue) >= self.limit:
            SLOW_CONSUMERS.inc()
            log.info(
                "board %s: closing a socket of user %s that fell behind",
                self.board_id,
                self.user_id,
            )
            self.abort(CLOSE_TOO_SLOW, "send queue overflow")
            return
        queue.append(frame)
        if self.opened:
            self._start_writer()

    def prime(self, frames: list[str]) -> None:
        """Send the frames that must come first (hello, replay), ahead of anything pushed live."""
        self.opened = True
        if self.queue:  # live frames arrived meanwhile: the opening frames go ahead of them
            self.queue.extendleft(reversed(frames))
        else:
            for index, frame in enumerate(frames):
                if not self._write_now(frame, None):
                    self.queue = deque(frames[index:])
                    break
        if self.queue or self.close_code is not None:
            self._start_writer()

    def close(self, code: int, reason: str = "") -> None:
        """Close after the frames already pushed have been sent."""
        if self.close_code is None:
            self.close_code, self.close_reason = code, reason
            if self.opened:
                self._start_writer()

    def abort(self, code: int, reason: str = "") -> None:
        """Close now, dropping whatever is still queued."""
        if self.queue is not None:
            self.queue.clear()
        self.close(code, reason)

    async def finish(self) -> None:
        """Stop the writer once the reader is done; a close already decided still gets a moment."""
        writer = self.writer
        if writer is None:
            return
        if self.close_code is not None and not writer.done():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(writer), CLOSE_GRACE)
        writer.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await writer

    def _write_now(self, frame: str, wire: bytes | None) -> bool:
        write_now = self.write_now
        return write_now is not None and write_now(
            wire if wire is not None else encode_text_frame(frame)
        )

    def _start_writer(self) -> None:
        if self.writer is None:
            self.writer = asyncio.get_running_loop().create_task(self._drain())

    async def _drain(self) -> None:
        """Send the queue, then the close if one was decided; the only sender while it runs."""
        send = self.send
        try:
            while self.queue:
                frame = self.queue.popleft()
                self.sending = True
                try:
                    await send({"type": "websocket.send", "text": frame})
                finally:
                    self.sending = False
            if self.close_code is not None:
                await send(
                    {
                        "type": "websocket.close",
                        "code": self.close_code,
                        "reason": self.close_reason,
                    }
                )
        finally:
            self.writer = None
            if not self.queue:
                self.queue = None
