"""What one operation costs the server: CPU per committed write and per connect, RSS per socket.

    python -m bench.costs                      # SQLite and PostgreSQL, shipped defaults
    python -m bench.costs --database sqlite --writes 1000 --sockets 500
    python -m bench.costs --tuned              # per-user limits lifted, LOG_LEVEL=warning

`python -m bench` runs the same measurement as its COSTS scenario. Each figure is the server's
user+system CPU (every thread) across a bounded loop, divided by the operations in it, on a
`taskflow serve` started as `make run` starts it (LOG_LEVEL=info, relay on, in-process broker,
every limit at its default). The load is spread so that no user passes a limit:

- write, REST: `PATCH /api/tasks/{id}` with `If-Match`, alternating a title change and a move to
  the next column, 8 in flight, each writer its own user (at most WRITER_RATE a second, under
  REST_WRITES_PER_SECOND) on its own boards of TASKS tasks, after a warm-up.
- write, WebSocket: the same changes as `task.update` commands, 8 in flight, each writer cycling
  over one socket per board it owns (each socket at most SOCKET_RATE commands a second, under
  WS_COMMANDS_PER_SECOND), so every event reaches only the socket that wrote it.
- connect: a crowd board with one socket per SOCKETS_PER_USER of its members, opened 50 at a time,
  each until its `hello`; then RSS per idle socket after 3 s. Issue 14's targets: 2 ms per write,
  0.5 ms per connect, 14 KiB per idle socket.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from bench.fixtures import Member, World, auth, build_world
from bench.probe import ServerProbe
from bench.servers import Configuration, Database, TaskFlowReplica, users_for

IN_FLIGHT = 8
BOARDS_PER_WRITER = 4
TASKS = 2  # per board
WRITER_RATE = 80.0  # REST writes a second per user (REST_WRITES_PER_SECOND is 100)
SOCKET_RATE = 15.0  # commands a second per socket (WS_COMMANDS_PER_SECOND is 20)
CONNECT_BATCH = 50
IDLE_SETTLE = 3.0
RECV_TIMEOUT = 30.0

WRITE_TARGET_MS = 2.0
CONNECT_TARGET_MS = 0.5
IDLE_TARGET_KIB = 14.0
# A command's ref is remembered per user and board (a repeated ref replays the first ack), so
# refs never repeat within a process.
REFS = itertools.count()


@dataclass(frozen=True)
class Costs:
    database: str
    configuration: str
    writes: int
    sockets: int
    rest_write_ms: float
    ws_write_ms: float
    connect_ms: float
    idle_kib: float

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


async def measured(probe: ServerProbe, count: int, work: Callable[[], Awaitable[None]]) -> float:
    """Server CPU milliseconds per operation over `work`, which performs `count` operations."""
    before = probe.usage().cpu_seconds
    await work()
    return (probe.usage().cpu_seconds - before) * 1000 / count


class Pacer:
    """At most `rate` calls a second: `wait()` sleeps until the next is allowed."""

    def __init__(self, rate: float) -> None:
        self.interval = 1 / rate
        self.next_at = 0.0

    async def wait(self) -> None:
        delay = self.next_at - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        self.next_at = time.monotonic() + self.interval


class Board:
    """One board's tasks, their versions and columns, changed alternately."""

    def __init__(self, board_id: int, columns: list[int], tasks: list[dict[str, Any]]) -> None:
        self.board_id = board_id
        self.columns = columns
        self.tasks = {task["id"]: task for task in tasks}
        self.turn = itertools.count()

    def change(self, task_id: int) -> dict[str, Any]:
        task = self.tasks[task_id]
        if next(self.turn) % 2:
            column = self.columns[(self.columns.index(task["column_id"]) + 1) % len(self.columns)]
            return {"column_id": column}
        return {"title": f"title {time.monotonic_ns()}"}


async def open_board(client: httpx.AsyncClient, headers: dict[str, str], board_id: int) -> Board:
    snapshot = (await client.get(f"/api/boards/{board_id}", headers=headers)).json()
    columns = [column["id"] for column in snapshot["columns"]]
    return Board(board_id, columns, snapshot["tasks"])


@dataclass
class Writer:
    """One user and the boards it owns; only it writes to them, so versions never race."""

    member: Member
    boards: list[Board]
    pacer: Pacer

    def tasks(self) -> Sequence[tuple[Board, int]]:
        return [
            (board, list(board.tasks)[index]) for index in range(TASKS) for board in self.boards
        ]


async def writers_of(base_url: str, world: World) -> list[Writer]:
    writers = []
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        for member in world.users:
            owned = [b for b in world.boards if world.owner_of[b] == member]
            boards = [await open_board(client, auth(member), b) for b in owned]
            writers.append(Writer(member, boards, Pacer(WRITER_RATE)))
    return writers


async def rest_writes(client: httpx.AsyncClient, writers: list[Writer], n: int) -> None:
    """`n` PATCHes, one in flight per writer; every one must answer 200."""

    async def write(writer: Writer, count: int) -> None:
        headers = auth(writer.member)
        for board, task_id in itertools.islice(itertools.cycle(writer.tasks()), count):
            await writer.pacer.wait()
            task = board.tasks[task_id]
            response = await client.patch(
                f"/api/tasks/{task_id}",
                json=board.change(task_id),
                headers={**headers, "If-Match": f'"{task["version"]}"'},
            )
            if response.status_code != 200:
                raise RuntimeError(f"PATCH answered {response.status_code}: {response.text[:200]}")
            board.tasks[task_id] = response.json()

    shares = [n // len(writers) + (k < n % len(writers)) for k in range(len(writers))]
    await asyncio.gather(*(write(w, c) for w, c in zip(writers, shares, strict=True)))


@dataclass
class Lane:
    """A writer's sockets, one per board it owns, each with its own pace."""

    writer: Writer
    sockets: list[tuple[Board, ClientConnection, Pacer]]


async def open_lanes(ws_url: str, writers: list[Writer]) -> list[Lane]:
    lanes = []
    for writer in writers:
        sockets = []
        for board in writer.boards:
            url = f"{ws_url}/ws/boards/{board.board_id}?token={writer.member.token}"
            socket = await connect(url, compression=None, max_queue=None)
            await expect_hello(socket)
            sockets.append((board, socket, Pacer(SOCKET_RATE)))
        lanes.append(Lane(writer, sockets))
    return lanes


async def ws_writes(lanes: list[Lane], n: int) -> None:
    """`n` `task.update` commands, one in flight per lane; every one must be acked."""

    async def write(lane: Lane, count: int) -> None:
        # Task by task across the boards, so that consecutive commands go to other sockets.
        turns = itertools.cycle(
            (board, socket, pacer, list(board.tasks)[index])
            for index in range(TASKS)
            for board, socket, pacer in lane.sockets
        )
        for board, socket, pacer, task_id in itertools.islice(turns, count):
            await pacer.wait()
            ref = f"w{next(REFS)}"
            data = {"id": task_id, "version": board.tasks[task_id]["version"]}
            data.update(board.change(task_id))
            await socket.send(json.dumps({"type": "task.update", "ref": ref, "data": data}))
            while True:  # the socket's own event and presence come too; wait for the ack
                frame = json.loads(await asyncio.wait_for(socket.recv(), RECV_TIMEOUT))
                if frame["type"] == "error" and frame.get("ref") == ref:
                    raise RuntimeError(f"command refused: {frame}")
                if frame["type"] == "ack" and frame.get("ref") == ref:
                    board.tasks[task_id] = frame["data"]
                    break

    shares = [n // len(lanes) + (k < n % len(lanes)) for k in range(len(lanes))]
    await asyncio.gather(*(write(lane, c) for lane, c in zip(lanes, shares, strict=True)))


async def expect_hello(socket: ClientConnection) -> None:
    hello = json.loads(await asyncio.wait_for(socket.recv(), 60))
    if hello["type"] != "hello":
        raise RuntimeError(f"expected hello, got {hello}")


async def connects(urls: list[str]) -> list[ClientConnection]:
    """Every URL opened, CONNECT_BATCH at a time, each until its `hello`."""
    sockets: list[ClientConnection] = []

    async def one(url: str) -> None:
        socket = await connect(url, open_timeout=60, compression=None, max_queue=None)
        await expect_hello(socket)
        sockets.append(socket)

    for start in range(0, len(urls), CONNECT_BATCH):
        await asyncio.gather(*(one(url) for url in urls[start : start + CONNECT_BATCH]))
    return sockets


async def measure(
    database: Database,
    *,
    writes: int,
    sockets: int,
    warmup: int = 200,
    configuration: Configuration = "shipped",
) -> Costs:
    with TaskFlowReplica(database, configuration=configuration) as server:
        probe = ServerProbe(server.pids)
        authors = await build_world(
            server.url,
            users=IN_FLIGHT,
            boards=IN_FLIGHT * BOARDS_PER_WRITER,
            shared=False,
            tasks_per_board=TASKS,
        )
        writers = await writers_of(server.url, authors)
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
            await rest_writes(client, writers, warmup)
            rest = await measured(probe, writes, lambda: rest_writes(client, writers, writes))
        lanes = await open_lanes(server.ws_url, writers)
        try:
            await ws_writes(lanes, warmup)
            ws = await measured(probe, writes, lambda: ws_writes(lanes, writes))
        finally:
            await asyncio.gather(*(s.close() for lane in lanes for _, s, _ in lane.sockets))

        users = users_for(sockets, configuration, at_least=1)
        crowd = await build_world(server.url, users=users, boards=1, shared=True, tasks_per_board=1)
        board_id = crowd.boards[0]
        members = crowd.members_of[board_id]
        urls = [
            f"{server.ws_url}/ws/boards/{board_id}?token={members[n % len(members)].token}"
            for n in range(sockets)
        ]
        await asyncio.sleep(1)
        rss_before = probe.usage().rss_bytes
        opened: list[ClientConnection] = []

        async def open_all() -> None:
            opened.extend(await connects(urls))

        try:
            connect_ms = await measured(probe, sockets, open_all)
            await asyncio.sleep(IDLE_SETTLE)
            idle_kib = (probe.usage().rss_bytes - rss_before) / sockets / 1024
        finally:
            await asyncio.gather(*(socket.close() for socket in opened), return_exceptions=True)
    return Costs(database, configuration, writes, sockets, rest, ws, connect_ms, idle_kib)


def met(value: float, target: float) -> str:
    return "yes" if value <= target else "no"


def table(results: list[Costs]) -> str:
    """One row per database and figure: measured, target, met."""
    lines = [
        "| database | figure | measured | target | met |",
        "|---|---|--:|--:|---|",
    ]
    for cost in results:
        for figure, value, target, unit in (
            ("server CPU per `PATCH /api/tasks/{id}`", cost.rest_write_ms, WRITE_TARGET_MS, "ms"),
            ("server CPU per WebSocket `task.update`", cost.ws_write_ms, WRITE_TARGET_MS, "ms"),
            ("server CPU per connect, handshake to `hello`", cost.connect_ms, CONNECT_TARGET_MS, "ms"),
            ("RSS per idle authenticated socket", cost.idle_kib, IDLE_TARGET_KIB, "KiB"),
        ):  # fmt: skip
            lines.append(
                f"| {cost.database} | {figure} | {value:.2f} {unit} | ≤ {target:g} {unit} "
                f"| {met(value, target)} |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgres"), action="append")
    parser.add_argument("--writes", type=int, default=1_000)
    parser.add_argument("--warmup", type=int, default=150)
    parser.add_argument("--sockets", type=int, default=1_000)
    parser.add_argument("--tuned", action="store_true", help="per-user limits lifted, quieter logs")
    args = parser.parse_args()
    configuration: Configuration = "tuned" if args.tuned else "shipped"
    results = [
        asyncio.run(
            measure(
                database,
                writes=args.writes,
                sockets=args.sockets,
                warmup=args.warmup,
                configuration=configuration,
            )
        )
        for database in args.database or ["sqlite", "postgres"]
    ]
    print(f"TaskFlow configuration: {configuration}")
    print(table(results))


if __name__ == "__main__":
    main()
