"""Proposal P1, sketched: frame each event once, write it to every ready socket right away.

- `FanoutProtocol` (uvicorn's sans-I/O WebSocket protocol plus one method) puts
  `write_now(wire) -> bool` into the socket's ASGI scope, under
  `scope["extensions"]["taskflow.write_now"]`. It writes pre-framed bytes straight into the
  transport when the handshake is done, nothing is closing and the transport is not paused
  (its buffer below uvicorn's high-water mark), and says False otherwise.
- `FastConnection.push(frame, wire)`: once the opening frames (hello, replay) are queued, and
  while the socket's queue is empty and its writer is not mid-send, `write_now`; else the
  frame is queued exactly as today (bounded, 4408 on overflow). Order is kept: a frame
  pushed between `join` and `hello` waits, and once anything waits, everything after it does.
- `broadcast`: one `Frame.serialize()` per event and room instead of one per socket.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Request
from websockets.protocol import State

from taskflow.realtime import endpoint, hub
from taskflow.realtime.connection import Connection

WRITE_NOW = "taskflow.write_now"
WriteNow = Callable[[bytes], bool]
_scope: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "bench_prototype_scope", default=None
)


class FanoutProtocol(WebSocketsSansIOProtocol):
    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)
        scope = getattr(self, "scope", None)
        if scope is not None:
            scope["extensions"][WRITE_NOW] = self.write_now

    def write_now(self, wire: bytes) -> bool:
        if (
            self.close_sent
            or self.disconnected
            or not self.handshake_complete
            or not self.writable.is_set()  # paused: the transport's buffer is above high water
            or self.conn.state is not State.OPEN
            or self.transport.is_closing()
        ):
            return False
        self.transport.write(wire)
        return True


class FastConnection(Connection):
    __slots__ = ("opened", "sending", "write_now")

    def __init__(self, *, write_now: WriteNow | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.write_now = write_now
        self.opened = False  # hello (and any replay) queued: live frames may go after them
        self.sending = False

    def prime(self, frames: list[str]) -> None:
        super().prime(frames)
        self.opened = True

    def push(self, frame: str, wire: bytes | None = None) -> None:
        if (
            wire is not None
            and self.opened
            and self.write_now is not None
            and self.close_code is None
            and not self.queue
            and not self.sending
            and self.write_now(wire)
        ):
            return
        super().push(frame)

    async def run_writer(self) -> None:
        send, queue = self.send, self.queue
        while True:
            while queue:
                self.sending = True  # a popped frame may wait in send(): no overtaking it
                try:
                    await send({"type": "websocket.send", "text": queue.popleft()})
                finally:
                    self.sending = False
            if self.close_code is not None:
                message = {"type": "websocket.close", "code": self.close_code}
                await send({**message, "reason": self.close_reason})
                return
            self.wakeup.clear()
            await self.wakeup.wait()


def _connection(self: hub.Hub, *, send: Any, board_id: int, user: dict[str, Any]) -> Connection:
    scope = _scope.get()
    write_now = scope.get("extensions", {}).get(WRITE_NOW) if scope else None
    return FastConnection(
        write_now=write_now, send=send, board_id=board_id, user=user, limit=self.queue_limit
    )


def _broadcast(self: hub.Room, frame: str) -> None:
    wire = Frame(Opcode.TEXT, frame.encode()).serialize(mask=False, extensions=[])
    for connection in tuple(self.connections):
        if isinstance(connection, FastConnection):
            connection.push(frame, wire)
        else:
            connection.push(frame)


def install() -> None:
    """Patch the live-board classes (call before the app is created)."""
    stock_call = endpoint.LiveBoardEndpoint.__call__

    async def call(self: endpoint.LiveBoardEndpoint, scope: Any, receive: Any, send: Any) -> None:
        _scope.set(scope)  # read back by Hub.connection in the same task
        await stock_call(self, scope, receive, send)

    endpoint.LiveBoardEndpoint.__call__ = call  # type: ignore[method-assign]
    hub.Hub.connection = _connection  # type: ignore[method-assign]
    hub.Room.broadcast = _broadcast  # type: ignore[method-assign]
