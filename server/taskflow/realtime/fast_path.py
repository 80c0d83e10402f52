"""Broadcast without a task switch per socket: uvicorn's WebSocket protocol, able to write now.

The ASGI send path costs a writer-task wake-up, a message dict and a frame encoding per socket
and event. `FanoutProtocol` adds one capability to uvicorn's sans-I/O protocol: `write_now`,
published in the socket's ASGI scope, writes bytes framed once per event straight into the
transport, but only while nothing else is pending there. Whenever it cannot (the transport is
paused above uvicorn's high-water mark, the socket is closing), it says so and the frame takes
the ordinary queue and writer, with their bound and the 4408 on overflow.
"""

from __future__ import annotations

from collections.abc import Callable

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Request
from websockets.protocol import State

WRITE_NOW = "taskflow.write_now"
WriteNow = Callable[[bytes], bool]


def encode_text_frame(text: str) -> bytes:
    """The wire bytes of an unmasked, unfragmented server text frame."""
    return Frame(Opcode.TEXT, text.encode()).serialize(mask=False, extensions=[])


class FanoutProtocol(WebSocketsSansIOProtocol):
    """uvicorn's sans-I/O WebSocket protocol plus `write_now` in `scope["extensions"]`."""

    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)
        extensions: dict[str, object] = self.scope["extensions"]  # type: ignore[assignment]
        extensions[WRITE_NOW] = self.write_now

    def write_now(self, wire: bytes) -> bool:
        """Write a whole frame if the socket is open and its transport is not paused."""
        if (
            self.close_sent
            or self.disconnected
            or not self.handshake_complete
            or not self.writable.is_set()
            or self.conn.state is not State.OPEN
            or self.transport.is_closing()
        ):
            return False
        self.transport.write(wire)
        return True
