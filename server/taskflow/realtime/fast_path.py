"""Broadcast without a task switch per socket: uvicorn's WebSocket protocol, able to write now.

The ASGI send path costs a writer-task wake-up, a message dict and a frame encoding per socket
and event. `FanoutProtocol` adds one capability to uvicorn's sans-I/O protocol: `write_now`,
published in the socket's ASGI scope, writes bytes framed once per event straight into the
transport, but only while nothing else is pending there. Whenever it cannot (the transport is
paused above uvicorn's high-water mark, the socket is closing), it says so and the frame takes
the ordinary queue and writer, with their bound and the 4408 on overflow.

`write_now` reads attributes that uvicorn does not promise to keep (`FAST_PATH_READS`). When a
release renames one, the protocol stops publishing `write_now` and logs one warning: every
socket then takes the queue-and-writer path, slower but losing nothing.

An idle socket is what a crowd is made of, so the protocol also keeps less per socket: a
receive queue and a `writable` flag without `asyncio`'s deques, no handshake objects after the
accept, and a live-board socket runs its endpoint directly (the app's `LIVE_ROUTE` in the
lifespan state), with no middleware frame suspended above it for hours.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Callable
from typing import Any, ClassVar, cast

import uvicorn
from starlette.types import ASGIApp, Scope
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Request
from websockets.protocol import Protocol, State

log = logging.getLogger("taskflow.realtime")
# websockets' own lines about a socket; `logs.logging_config` sets its level.
HANDSHAKE_LOG = logging.getLogger("uvicorn.error.websockets")

WRITE_NOW = "taskflow.write_now"
WriteNow = Callable[[bytes], bool]
# The lifespan-state key of the app's `LiveRoute`: the endpoint a socket's scope goes to
# directly, without the app and its middleware, or None for the app to route it.
LIVE_ROUTE = "taskflow.live_route"
LiveRoute = Callable[[Scope], ASGIApp | None]

# uvicorn's private attributes that `write_now` and `handle_parser_exception` read.
FAST_PATH_READS: tuple[str, ...] = (
    "close_sent",
    "disconnected",
    "handshake_complete",
    "writable",
    "conn",
    "transport",
    "close_timer",
    "close_timeout",
    "loop",
    "queue",
)


def encode_text_frame(text: str) -> bytes:
    """The wire bytes of an unmasked, unfragmented server text frame."""
    return Frame(Opcode.TEXT, text.encode()).serialize(mask=False, extensions=[])


def missing_attributes(protocol: object, names: tuple[str, ...]) -> list[str]:
    """The names in `names` that `protocol` does not have."""
    return [name for name in names if not hasattr(protocol, name)]


class Inbox:
    """uvicorn's receive queue of one socket, without the three deques of an `asyncio.Queue`.

    The same calls (`put_nowait`, `get`, `empty`), for the one consumer ASGI's `receive` has:
    a socket that waits costs a list and one future instead of ~2.3 KiB.
    """

    __slots__ = ("_items", "_waiter")

    def __init__(self) -> None:
        self._items: list[Any] = []
        self._waiter: asyncio.Future[None] | None = None

    def put_nowait(self, item: Any) -> None:
        self._items.append(item)
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def empty(self) -> bool:
        return not self._items

    async def get(self) -> Any:
        while not self._items:
            waiter = self._waiter
            if waiter is None or waiter.done():
                waiter = self._waiter = asyncio.get_running_loop().create_future()
            await waiter
        return self._items.pop(0)


class Flag:
    """uvicorn's `writable`: an `asyncio.Event` whose waiters' list exists only while one waits."""

    __slots__ = ("_set", "_waiters")

    def __init__(self) -> None:
        self._set = False
        self._waiters: list[asyncio.Future[None]] | None = None

    def is_set(self) -> bool:
        return self._set

    def set(self) -> None:
        self._set = True
        waiters, self._waiters = self._waiters, None
        for waiter in waiters or ():
            if not waiter.done():
                waiter.set_result(None)

    def clear(self) -> None:
        self._set = False

    async def wait(self) -> None:
        if self._set:
            return
        waiter = asyncio.get_running_loop().create_future()
        if self._waiters is None:
            self._waiters = []
        self._waiters.append(waiter)
        try:
            await waiter
        finally:
            if self._waiters is not None and waiter in self._waiters:
                self._waiters.remove(waiter)


class FanoutProtocol(WebSocketsSansIOProtocol):
    """uvicorn's sans-I/O WebSocket protocol plus `write_now` in `scope["extensions"]`.

    It also fails a connection cleanly: when a frame breaks the protocol (one larger than
    `ws_max_size`, text that is not UTF-8), the close frame is followed by a half-close and
    the rest of the peer's data is read and dropped, so the peer receives the close code
    instead of a TCP reset (uvicorn closes the socket at once, with the peer's data unread).
    A live-board socket goes straight to the endpoint the app publishes as `LIVE_ROUTE`.
    """

    fast_path_reads: tuple[str, ...] = FAST_PATH_READS
    _warned = False
    # Each direct endpoint behind uvicorn's proxy-headers middleware, made once per process.
    _proxied: ClassVar[weakref.WeakKeyDictionary[Any, Any]] = weakref.WeakKeyDictionary()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # What every idle socket keeps for hours: the lightest objects that answer uvicorn's calls.
        self.queue = Inbox()  # type: ignore[assignment]
        self.conn.logger = HANDSHAKE_LOG
        self.writable = Flag()  # type: ignore[assignment]
        self.writable.set()

    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)
        # The request's headers are in the scope; uvicorn never reads the request again.
        self.__dict__.pop("request", None)
        # A refused handshake (no Sec-WebSocket-Key, ...) was answered 400 before any scope.
        scope = getattr(self, "scope", None)
        if scope is None:
            return
        # Without the lifespan state (an older uvicorn, lifespan off) the app routes the socket.
        route: LiveRoute | None = getattr(self, "app_state", {}).get(LIVE_ROUTE)
        endpoint = route(scope) if route is not None else None
        if endpoint is not None:
            # Read by the socket's task when it starts, just created and not yet run.
            self.app = self._behind_proxy_headers(endpoint)
        if not self.fast_path_available():
            return
        extensions: dict[str, object] | None = scope.get("extensions")
        if extensions is not None:
            extensions[WRITE_NOW] = self.write_now

    def _behind_proxy_headers(self, endpoint: ASGIApp) -> ASGIApp:
        """`endpoint` as uvicorn serves its app: behind the proxy-headers middleware if on."""
        if not isinstance(self.config.loaded_app, ProxyHeadersMiddleware):
            return endpoint
        proxied: ASGIApp | None = self._proxied.get(endpoint)
        if proxied is None:
            proxied = self._proxied[endpoint] = cast(
                ASGIApp,
                ProxyHeadersMiddleware(cast(Any, endpoint), self.config.forwarded_allow_ips),
            )
        return proxied

    def start_keepalive(self) -> None:
        # Called once the accept response is written: its headers are not needed again, nor
        # is the handshake's parser, whose frame holds the request for as long as it runs.
        self.__dict__.pop("response", None)
        if self.conn.state is State.OPEN:
            self.conn.parser = Protocol.parse(self.conn)
            next(self.conn.parser)
        super().start_keepalive()

    def fast_path_available(self) -> bool:
        """Whether this uvicorn still has what `write_now` reads; warns once per process if not."""
        missing = missing_attributes(self, self.fast_path_reads)
        if missing:
            self._warn_once(f"uvicorn {uvicorn.__version__} has no {', '.join(missing)}")
        return not missing

    @classmethod
    def _warn_once(cls, why: str) -> None:
        if not FanoutProtocol._warned:
            FanoutProtocol._warned = True
            log.warning("WebSocket fast path off (%s): every frame takes the send queue", why)

    def write_now(self, wire: bytes) -> bool:
        """Write a whole frame if the socket is open and its transport is not paused."""
        try:
            if (
                self.close_sent
                or self.disconnected
                or not self.handshake_complete
                or not self.writable.is_set()
                or self.conn.state is not State.OPEN
                or self.transport.is_closing()
            ):
                return False
        except AttributeError as exc:  # a renamed attribute behind one of those names
            self._warn_once(str(exc))
            return False
        self.transport.write(wire)
        return True

    def handle_parser_exception(self) -> None:
        if not self.fast_path_available():
            super().handle_parser_exception()
            return
        if self.close_sent:
            return  # already failing: the protocol discards what still arrives
        close: Any = self.conn.close_sent
        code, reason = (close.code, close.reason) if close is not None else (1002, "")
        self.queue.put_nowait({"type": "websocket.disconnect", "code": code, "reason": reason})
        self.close_sent = True
        eof = False
        for chunk in self.conn.data_to_send():
            if chunk:
                self.transport.write(chunk)
            else:
                eof = True  # websockets asks for a half-close after a failure
        if eof and self.transport.can_write_eof():
            self.transport.write_eof()
        # The peer's EOF closes the transport (eof_received returns None); this is the backstop.
        self.close_timer = self.loop.call_later(self.close_timeout, self.transport.close)
