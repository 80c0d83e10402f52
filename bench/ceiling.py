"""The ceiling: a plain `websockets` server that does the least a live board can do.

Same URL shape as TaskFlow (`/ws/boards/{id}?token=...`), a `hello` first, then every event
as one pre-encoded text frame pushed to the whole room with `websockets.broadcast()`. No auth,
no database, no queue per socket: what the library and the event loop cost, and nothing else.

Events come in on a side channel, the `/control` socket: `{"board_id", "data"}` per message;
the ceiling numbers them (seq) and frames them exactly as TaskFlow's event log does.

Run: `python -m bench.ceiling --port 8765`.
"""

from __future__ import annotations

import argparse
import re

import orjson
import uvloop
from websockets.asyncio.server import ServerConnection, broadcast, serve
from websockets.exceptions import ConnectionClosed

from bench.limits import raise_fd_limit
from bench.wire import event_frame

BOARD_PATH = re.compile(r"^/ws/boards/(\d+)(?:\?|$)")
CONTROL_PATH = "/control"
ANONYMOUS = {"id": 0, "username": "ceiling"}
PONG = '{"type":"pong"}'


class Rooms:
    """Each board's open sockets and its last seq."""

    def __init__(self) -> None:
        self.sockets: dict[int, set[ServerConnection]] = {}
        self.seqs: dict[int, int] = {}

    def publish(self, board_id: int, data: dict[str, object]) -> None:
        seq = self.seqs.get(board_id, 0) + 1
        self.seqs[board_id] = seq
        frame = event_frame(board_id=board_id, seq=seq, data=data)
        broadcast(self.sockets.get(board_id, ()), frame)


async def subscriber(ws: ServerConnection, rooms: Rooms, board_id: int) -> None:
    room = rooms.sockets.setdefault(board_id, set())
    seq = rooms.seqs.get(board_id, 0)
    hello = {"type": "hello", "board_id": board_id, "seq": seq, "user": ANONYMOUS}
    await ws.send(orjson.dumps({**hello, "presence": [ANONYMOUS]}).decode())
    room.add(ws)
    try:
        # A reader, as TaskFlow has: it answers pings and notices the disconnect.
        async for message in ws:
            if isinstance(message, str) and '"ping"' in message:
                await ws.send(PONG)
    except ConnectionClosed:
        pass
    finally:
        room.discard(ws)


async def control(ws: ServerConnection, rooms: Rooms) -> None:
    async for message in ws:
        command = orjson.loads(message)
        rooms.publish(int(command["board_id"]), command["data"])


async def main(host: str, port: int) -> None:
    rooms = Rooms()

    async def handler(ws: ServerConnection) -> None:
        path = ws.request.path if ws.request is not None else ""
        if path == CONTROL_PATH:
            await control(ws, rooms)
            return
        match = BOARD_PATH.match(path)
        if match is None:
            await ws.close(4404, "no such board")
            return
        await subscriber(ws, rooms, int(match.group(1)))

    async with serve(
        handler,
        host,
        port,
        compression=None,
        ping_interval=20,
        ping_timeout=20,
        max_size=1 << 20,
        backlog=4096,
    ) as server:
        await server.serve_forever()


def run() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ceiling", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    raise_fd_limit()
    uvloop.run(main(args.host, args.port))


if __name__ == "__main__":
    run()
