"""One subscriber socket's outbound side: a bounded queue drained by a single writer."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from typing import Any

from starlette.types import Send

from taskflow.metrics import SLOW_CONSUMERS
from taskflow.realtime.protocol import CLOSE_TOO_SLOW

log = logging.getLogger("taskflow.realtime")


class Connection:
    """Sends its frames in the order they were queued, through one writer task.

    `push` never waits: the hub hands the same frame text to every socket of a room without
    awaiting any of them, and a socket whose queue is full is closed with 4408 instead of
    slowing the others.
    """

    __slots__ = (
        "board_id",
        "close_code",
        "close_reason",
        "limit",
        "queue",
        "send",
        "user",
        "wakeup",
    )

    def __init__(self, *, send: Send, board_id: int, user: dict[str, Any], limit: int) -> None:
        self.send = send
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

    def push(self, frame: str) -> None:
        if self.close_code is not None:
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
                await send({"type": "websocket.send", "text": queue.popleft()})
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
