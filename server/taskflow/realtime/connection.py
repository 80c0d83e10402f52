"""One subscriber socket's outbound side: a bounded queue drained by a single writer."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from typing import Any

from starlette.types import Send

from taskflow.metrics import SLOW_CONSUMERS
from taskflow.realtime.fast_path import WriteNow
from taskflow.realtime.protocol import CLOSE_TOO_SLOW

log = logging.getLogger("taskflow.realtime")


class Connection:
    """Sends its frames in the order they were queued, through one writer task.

    `push` never waits: the hub hands the same frame text to every socket of a room without
    awaiting any of them, and a socket whose queue is full is closed with 4408 instead of
    slowing the others. When the server offers `write_now` (see `fast_path`), a frame goes
    straight to the transport while nothing is queued or being sent, so order is kept and
    no frame overtakes another.
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
        "user",
        "wakeup",
        "write_now",
    )

    def __init__(
        self,
        *,
        send: Send,
        board_id: int,
        user: dict[str, Any],
        limit: int,
        write_now: WriteNow | None = None,
    ) -> None:
        self.send = send
        self.write_now = write_now
        # Live frames may bypass the queue only after the opening frames (hello, replay) went in.
        self.opened = False
        # The writer has popped a frame that is still on its way through `send`.
        self.sending = False
        self.board_id = board_id
        self.user = user
        self.limit = limit
        self.queue: deque[str] = deque()
        self.wakeup = asyncio.Event()
        self.close_code: int | None = None
        self.close_reason = ""

    @property
    def user_id(self) -> int:
        return int(self.user["id"])

    @property
    def closing(self) -> bool:
        return self.close_code is not None

    def push(self, frame: str, wire: bytes | None = None) -> None:
        """Send `frame` after everything pushed before it; `wire` is its encoded frame, if known."""
        if self.close_code is not None:
            return
        if (
            wire is not None
            and self.write_now is not None
            and self.opened
            and not self.queue
            and not self.sending
            and self.write_now(wire)
        ):
            return
        if len(self.queue) >= self.limit:
            SLOW_CONSUMERS.inc()
            log.info(
                "board %s: closing a socket of user %s that fell behind",
                self.board_id,
                self.user_id,
            )
            self.abort(CLOSE_TOO_SLOW, "send queue overflow")
            return
        self.queue.append(frame)
        if len(self.queue) == 1:
            self.wakeup.set()

    def prime(self, frames: list[str]) -> None:
        """Put the frames that must come first (hello, replay) ahead of anything queued live."""
        self.queue.extendleft(reversed(frames))
        self.opened = True
        self.wakeup.set()

    def close(self, code: int, reason: str = "") -> None:
        """Close after the frames already queued have been sent."""
        if self.close_code is None:
            self.close_code, self.close_reason = code, reason
            self.wakeup.set()

    def abort(self, code: int, reason: str = "") -> None:
        """Close now, dropping whatever is still queued."""
        self.queue.clear()
        self.close(code, reason)

    async def run_writer(self) -> None:
        """Drain the queue until closed; the only place that sends on this socket."""
        send, queue = self.send, self.queue
        while True:
            while queue:
                self.sending = True
                try:
                    await send({"type": "websocket.send", "text": queue.popleft()})
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
                return
            self.wakeup.clear()
            await self.wakeup.wait()
