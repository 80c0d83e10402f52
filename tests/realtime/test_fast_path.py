"""The WebSocket fast path (`realtime/fast_path.py`) against a real uvicorn, with a bare ASGI app.

`write_now` reads uvicorn's private attributes. These tests pin what it relies on: it writes on
an open socket and refuses before the handshake, once a close began and while the transport is
paused; frames keep their order when a socket moves between the fast path and its queue; and
when uvicorn renames an attribute, the server falls back to the queue with one warning and
loses no frame. The first test fails loudly when a new uvicorn has renamed something.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import uvicorn
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect as sync_connect

from taskflow.realtime.connection import Connection
from taskflow.realtime.fast_path import (
    FAST_PATH_READS,
    WRITE_NOW,
    FanoutProtocol,
    WriteNow,
    encode_text_frame,
    missing_attributes,
)
from tests.conftest import TIMEOUT_UNIT
from tests.support.servers import running_server

BIG = 60_000  # characters per frame in the flow-control tests: a few fill the socket buffers
MOST_FRAMES = 4_000  # bound on the frames written while waiting for the transport to pause


@dataclass
class ServerSocket:
    """The server side of one accepted socket, as the bare app saw it."""

    scope: dict[str, Any]
    send: Any
    write_now_before_accept: bool | None
    disconnected: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def write_now(self) -> WriteNow | None:
        found: WriteNow | None = self.scope["extensions"].get(WRITE_NOW)
        return found

    @property
    def protocol(self) -> FanoutProtocol:
        assert self.write_now is not None
        protocol: FanoutProtocol = self.write_now.__self__  # type: ignore[attr-defined]
        return protocol


class BareApp:
    """Accepts every socket, hands it to the test, and reads until the peer goes away."""

    def __init__(self) -> None:
        self.sockets: asyncio.Queue[ServerSocket] = asyncio.Queue()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "websocket"
        await receive()  # websocket.connect
        early = scope["extensions"].get(WRITE_NOW)
        socket = ServerSocket(scope, send, early(encode_text_frame("early")) if early else None)
        await send({"type": "websocket.accept"})
        self.sockets.put_nowait(socket)
        while (await receive())["type"] != "websocket.disconnect":
            pass
        socket.disconnected.set()


@dataclass
class Served:
    app: BareApp
    url: str

    @contextlib.asynccontextmanager
    async def socket(self, **options: Any) -> AsyncIterator[tuple[ClientConnection, ServerSocket]]:
        while not self.app.sockets.empty():  # sockets opened by other clients in this test
            self.app.sockets.get_nowait()
        async with connect(self.url, open_timeout=5 * TIMEOUT_UNIT, **options) as client:
            server = await asyncio.wait_for(self.app.sockets.get(), 5 * TIMEOUT_UNIT)
            yield client, server


@contextlib.asynccontextmanager
async def serve(protocol: type[FanoutProtocol] = FanoutProtocol) -> AsyncIterator[Served]:
    app = BareApp()
    async with running_server(app, protocol=protocol, lifespan="off") as url:
        yield Served(app, url.replace("http://", "ws://"))


@pytest.fixture
async def served() -> AsyncIterator[Served]:
    async with serve() as running:
        yield running


async def test_uvicorn_still_has_what_the_fast_path_reads(served: Served) -> None:
    async with served.socket() as (_, server):
        assert server.write_now is not None, (
            f"uvicorn {uvicorn.__version__}: FanoutProtocol no longer publishes write_now; "
            "the server runs every socket on the slower queue path. Update fast_path.py."
        )
        missing = missing_attributes(server.protocol, FAST_PATH_READS)
        assert not missing, (
            f"uvicorn {uvicorn.__version__} renamed {missing}: the WebSocket fast path is off. "
            "Update fast_path.py to the new names before raising uvicorn's upper bound."
        )


async def test_write_now_writes_on_an_open_socket(served: Served) -> None:
    async with served.socket() as (client, server):
        assert server.write_now is not None
        assert server.write_now(encode_text_frame("first"))
        assert server.write_now(encode_text_frame("second"))
        assert await client.recv() == "first"
        assert await client.recv() == "second"


async def test_write_now_refuses_before_the_handshake_completes(served: Served) -> None:
    async with served.socket() as (client, server):
        assert server.write_now_before_accept is False
        assert server.write_now is not None and server.write_now(encode_text_frame("after"))
        assert await client.recv() == "after"  # nothing was written before the accept


async def test_write_now_refuses_once_the_server_began_the_close(served: Served) -> None:
    async with served.socket() as (client, server):
        assert server.write_now is not None
        await server.send({"type": "websocket.close", "code": 4000, "reason": ""})
        assert not server.write_now(encode_text_frame("too late"))
        with pytest.raises(ConnectionClosed) as closed:
            await client.recv()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4000


async def test_write_now_refuses_once_the_peer_began_the_close(served: Served) -> None:
    async with served.socket() as (client, server):
        assert server.write_now is not None
        await client.close(4001)
        await asyncio.wait_for(server.disconnected.wait(), 5 * TIMEOUT_UNIT)
        assert not server.write_now(encode_text_frame("too late"))


async def fill_until_paused(write_now: WriteNow, frame: str) -> int:
    """Write `frame` until the transport pauses; returns how many frames went out."""
    for written in range(MOST_FRAMES):
        if not write_now(encode_text_frame(frame)):
            return written
    raise AssertionError(f"the transport never paused after {MOST_FRAMES} frames")


async def test_write_now_refuses_while_the_transport_is_paused(served: Served) -> None:
    # The client reads nothing until told: socket buffers fill, uvicorn pauses the transport.
    async with served.socket(max_queue=1, max_size=None) as (client, server):
        assert server.write_now is not None
        written = await fill_until_paused(server.write_now, "x" * BIG)
        assert written > 0
        assert not server.protocol.writable.is_set()
        assert not server.write_now(encode_text_frame("refused"))
        for _ in range(written):
            assert await client.recv() == "x" * BIG
        # Drained below the low-water mark, the fast path opens again.
        assert server.protocol.writable.is_set()
        assert server.write_now(encode_text_frame("open again"))
        assert await client.recv() == "open again"


class CountingWriteNow:
    """Wraps `write_now`, counting the frames it took and refused."""

    def __init__(self, write_now: WriteNow) -> None:
        self.write_now = write_now
        self.taken = 0
        self.refused = 0

    def __call__(self, wire: bytes) -> bool:
        if self.write_now(wire):
            self.taken += 1
            return True
        self.refused += 1
        return False


async def test_a_socket_that_keeps_up_has_no_queue_and_no_writer(served: Served) -> None:
    async with served.socket() as (client, server):
        connection = Connection(
            send=server.send, board_id=1, user={"id": 1}, limit=100, write_now=server.write_now
        )
        connection.push("live", encode_text_frame("live"))  # before the hello: it must wait
        assert connection.queue is not None and connection.writer is None
        connection.prime(["hello"])
        assert [await client.recv() for _ in range(2)] == ["hello", "live"]
        assert connection.queue is None and connection.writer is None
        connection.push("direct")
        assert await client.recv() == "direct"
        assert connection.queue is None and connection.writer is None
        connection.close(1000)
        assert connection.writer is not None  # a close is sent by a writer of its own
        await asyncio.wait_for(connection.finish(), 5 * TIMEOUT_UNIT)
        with pytest.raises(ConnectionClosed):
            await client.recv()
        assert client.close_code == 1000


async def test_frames_keep_their_order_across_fast_path_and_queue(served: Served) -> None:
    async with served.socket(max_queue=1, max_size=None) as (client, server):
        assert server.write_now is not None
        counting = CountingWriteNow(server.write_now)
        connection = Connection(
            send=server.send, board_id=1, user={"id": 1}, limit=100_000, write_now=counting
        )
        connection.prime([])
        frames = [f"{index:06d}" + "x" * BIG for index in range(400)]

        async def push_all() -> None:
            for frame in frames:
                connection.push(frame, encode_text_frame(frame))
                await asyncio.sleep(0)  # let the writer and the transport move between pushes

        pushing = asyncio.create_task(push_all())
        await asyncio.sleep(
            0.2 * TIMEOUT_UNIT
        )  # the client reads nothing yet: the fast path stalls
        received = [await asyncio.wait_for(client.recv(), 10 * TIMEOUT_UNIT) for _ in frames]
        await pushing
        assert received == frames
        assert counting.taken > 0 and counting.refused > 0, (
            f"both paths must be used: {counting.taken} frames went the fast path, "
            f"{counting.refused} were refused into the queue"
        )
        # Once the queue is drained the fast path is used again.
        taken = counting.taken
        connection.push("tail", encode_text_frame("tail"))
        assert await client.recv() == "tail"
        assert counting.taken == taken + 1
        connection.close(1000)
        await asyncio.wait_for(connection.finish(), 5 * TIMEOUT_UNIT)


class RenamedUvicorn(FanoutProtocol):
    """What the server sees when a uvicorn release renames one attribute the fast path reads."""

    fast_path_reads = (*FAST_PATH_READS, "renamed_by_a_new_uvicorn")


@pytest.fixture
def fresh_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(FanoutProtocol, "_warned", False)


class Warnings(logging.Handler):
    """Collects the fast path's warnings (the server's logging config replaces pytest's capture)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if "fast path off" in record.getMessage():
            self.messages.append(record.getMessage())

    @contextlib.contextmanager
    def watching(self) -> Iterator[Warnings]:
        logger = logging.getLogger("taskflow.realtime")
        logger.addHandler(self)
        try:
            yield self
        finally:
            logger.removeHandler(self)


class EventWithoutIsSet:
    """What uvicorn itself calls on `writable`, without the `is_set` the fast path reads."""

    def __init__(self, event: asyncio.Event) -> None:
        self.event = event

    async def wait(self) -> None:
        await self.event.wait()

    def set(self) -> None:
        self.event.set()

    def clear(self) -> None:
        self.event.clear()


async def test_a_renamed_attribute_sends_every_frame_through_the_queue_with_one_warning(
    fresh_warning: None,
) -> None:
    async with serve(RenamedUvicorn) as running:
        with Warnings().watching() as seen:  # after the start: uvicorn's logging config is set
            for _ in range(2):
                async with running.socket() as (client, server):
                    assert server.write_now is None
                    connection = Connection(send=server.send, board_id=1, user={"id": 1}, limit=100)
                    connection.prime(["hello"])
                    for index in range(20):
                        frame = f"frame {index}"
                        connection.push(frame, encode_text_frame(frame))
                    assert [await client.recv() for _ in range(21)] == [
                        "hello",
                        *(f"frame {index}" for index in range(20)),
                    ]
                    connection.close(1000)
                    await asyncio.wait_for(connection.finish(), 5 * TIMEOUT_UNIT)
    assert len(seen.messages) == 1 and "renamed_by_a_new_uvicorn" in seen.messages[0], seen.messages


async def test_an_attribute_of_another_shape_loses_no_frame(
    served: Served, fresh_warning: None
) -> None:
    with Warnings().watching() as seen:
        await exchange_on_another_shape(served)
    assert len(seen.messages) == 1 and "is_set" in seen.messages[0], seen.messages


async def exchange_on_another_shape(served: Served) -> None:
    async with served.socket() as (client, server):
        write_now = server.write_now
        assert write_now is not None
        connection = Connection(
            send=server.send, board_id=1, user={"id": 1}, limit=100, write_now=write_now
        )
        connection.prime([])
        connection.push("before", encode_text_frame("before"))
        # As if a uvicorn release changed the type of `writable`: present, but not an Event.
        server.protocol.writable = EventWithoutIsSet(server.protocol.writable)  # type: ignore[assignment]
        for index in range(3):
            connection.push(f"after {index}", encode_text_frame(f"after {index}"))
        assert [await client.recv() for _ in range(4)] == [
            "before",
            "after 0",
            "after 1",
            "after 2",
        ]
        connection.close(1000)
        await asyncio.wait_for(connection.finish(), 5 * TIMEOUT_UNIT)


async def test_an_oversize_frame_is_answered_with_its_close_code_not_a_reset(
    served: Served,
) -> None:
    # uvicorn closes the TCP socket at once on a protocol error, with the peer's data unread:
    # the kernel answers with a reset and the peer often loses the close frame (it sees 1006).
    codes = await asyncio.to_thread(send_oversize_frames, served.url, 20)
    assert codes == [1009] * 20
    async with served.socket() as (client, server):  # and the server goes on serving
        assert server.write_now is not None and server.write_now(encode_text_frame("still here"))
        assert await client.recv() == "still here"


def send_oversize_frames(url: str, attempts: int) -> list[int]:
    """Each attempt: a 2 MiB frame and a ping on a new socket; the close code the client got."""
    codes = []
    for _ in range(attempts):
        with sync_connect(url, max_size=None, open_timeout=5 * TIMEOUT_UNIT) as client:
            try:
                client.send("x" * (2 << 20))
                client.send('{"type":"ping"}')
                client.recv(timeout=15 * TIMEOUT_UNIT)
            except ConnectionClosed as closed:
                codes.append(closed.rcvd.code if closed.rcvd is not None else 1006)
            else:
                codes.append(-1)  # not closed at all
    return codes


class Errors(logging.Handler):
    """Collects ERROR records of any logger (asyncio reports a protocol's exception there)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


async def test_a_refused_handshake_is_answered_400_and_logs_no_error(served: Served) -> None:
    """Without Sec-WebSocket-Key uvicorn answers 400 before it builds a scope; reading it
    raised in handle_connect: one ERROR traceback per request, for anyone, unauthenticated."""
    errors = Errors()
    logging.getLogger().addHandler(errors)
    try:
        host, port = served.url.removeprefix("ws://").split(":")
        for _ in range(3):
            reader, writer = await asyncio.open_connection(host, int(port))
            writer.write(
                b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                b"Sec-WebSocket-Version: 13\r\n\r\n"
            )
            answer = await asyncio.wait_for(reader.read(), 5 * TIMEOUT_UNIT)
            writer.close()
            assert answer.startswith(b"HTTP/1.1 400"), answer[:100]
        await asyncio.sleep(0.1)
    finally:
        logging.getLogger().removeHandler(errors)
    assert errors.messages == []
    async with served.socket() as (client, server):  # and sockets still get the fast path
        assert server.write_now is not None and server.write_now(encode_text_frame("ok"))
        assert await client.recv() == "ok"
