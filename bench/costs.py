"""What one operation costs the server: CPU per committed write and per connect, RSS per socket.

    python -m bench.costs                      # SQLite and PostgreSQL, shipped defaults
    python -m bench.costs --database sqlite --writes 1000 --sockets 500

Each figure is the server's user+system CPU (every thread) across a bounded loop, divided by the
operations in it, on a `taskflow serve` started as `make run` starts it (LOG_LEVEL=info, relay on,
in-process broker). The only settings changed: sockets per user and the REST write limit, so one
account may open the sockets and send the writes measured.

- write, REST: `PATCH /api/tasks/{id}` with `If-Match`, alternating a title change and a move to
  the next column, 8 in flight, one board of 20 tasks, after a warm-up.
- write, WebSocket: the same changes as `task.update` commands on one socket, 8 in flight.
- connect: sockets opened 50 at a time, each until its `hello`; then RSS per idle socket after
  3 s. Issue 14's targets: 2 ms per write, 0.5 ms per connect, 14 KiB per idle socket.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from bench.fixtures import auth, build_world
from bench.probe import ServerProbe
from bench.servers import Database, TaskFlowReplica

SHIPPED = {"LOG_LEVEL": "info"}
IN_FLIGHT = 8
WARMUP = 200
TASKS = 20


@dataclass(frozen=True)
class Costs:
    database: str
    rest_write_ms: float
    ws_write_ms: float
    connect_ms: float
    idle_kib: float


async def measured(probe: ServerProbe, count: int, work: Callable[[], Awaitable[None]]) -> float:
    """Server CPU milliseconds per operation over `work`, which performs `count` operations."""
    before = probe.usage().cpu_seconds
    await work()
    return (probe.usage().cpu_seconds - before) * 1000 / count


class Board:
    """One board of TASKS tasks, their versions and columns, changed alternately."""

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


async def rest_writes(
    client: httpx.AsyncClient, headers: dict[str, str], board: Board, n: int
) -> None:
    queue = list(board.tasks)

    async def writer(ids: list[int]) -> None:
        for index in range(n // IN_FLIGHT):
            task_id = ids[index % len(ids)]
            task = board.tasks[task_id]
            response = await client.patch(
                f"/api/tasks/{task_id}",
                json=board.change(task_id),
                headers={**headers, "If-Match": f'"{task["version"]}"'},
            )
            if response.status_code != 200:
                raise RuntimeError(f"PATCH answered {response.status_code}: {response.text[:200]}")
            board.tasks[task_id] = response.json()

    await asyncio.gather(*(writer(queue[i::IN_FLIGHT]) for i in range(IN_FLIGHT)))


async def ws_writes(socket: ClientConnection, board: Board, n: int) -> None:
    """`task.update` commands, IN_FLIGHT outstanding; every one must be acked."""
    refs = itertools.count()
    pending: dict[str, int] = {}
    ids = itertools.cycle(list(board.tasks))
    sent = acked = 0

    async def send_one() -> None:
        nonlocal sent
        task_id = next(ids)
        while task_id in pending.values():
            task_id = next(ids)
        task = board.tasks[task_id]
        ref = f"w{next(refs)}"
        pending[ref] = task_id
        data = {"id": task_id, "version": task["version"], **board.change(task_id)}
        await socket.send(json.dumps({"type": "task.update", "ref": ref, "data": data}))
        sent += 1

    for _ in range(min(IN_FLIGHT, n)):
        await send_one()
    while acked < n:
        frame = json.loads(await asyncio.wait_for(socket.recv(), 30))
        if frame["type"] == "error":
            raise RuntimeError(f"command refused: {frame}")
        if frame["type"] != "ack" or frame.get("ref") not in pending:
            continue
        task_id = pending.pop(frame["ref"])
        board.tasks[task_id] = frame["data"]
        acked += 1
        if sent < n:
            await send_one()


async def connects(ws_url: str, count: int) -> list[ClientConnection]:
    sockets: list[ClientConnection] = []

    async def one() -> None:
        socket = await connect(ws_url, open_timeout=60, compression=None, max_queue=None)
        hello = json.loads(await asyncio.wait_for(socket.recv(), 60))
        if hello["type"] != "hello":
            raise RuntimeError(f"expected hello, got {hello}")
        sockets.append(socket)

    for start in range(0, count, 50):
        await asyncio.gather(*(one() for _ in range(min(50, count - start))))
    return sockets


async def measure(database: Database, writes: int, sockets: int) -> Costs:
    env = {
        **SHIPPED,
        "WS_CONNECTIONS_PER_USER": "100000",
        "REST_WRITES_PER_SECOND": "100000",
        "REST_WRITE_BURST": "100000",
        "WS_COMMANDS_PER_SECOND": "100000",
        "WS_COMMAND_BURST": "100000",
    }
    with TaskFlowReplica(database, extra_env=env) as server:
        probe = ServerProbe(server.pids)
        world = await build_world(server.url, users=1, boards=1, shared=True, tasks_per_board=TASKS)
        owner, board_id = world.users[0], world.boards[0]
        headers = auth(owner)
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
            board = await open_board(client, headers, board_id)
            await rest_writes(client, headers, board, WARMUP)
            rest = await measured(
                probe, writes, lambda: rest_writes(client, headers, board, writes)
            )
        ws_url = f"{server.ws_url}/ws/boards/{board_id}?token={owner.token}"
        async with connect(ws_url, compression=None) as socket:
            await socket.recv()  # hello
            await ws_writes(socket, board, WARMUP)
            ws = await measured(probe, writes, lambda: ws_writes(socket, board, writes))
        await asyncio.sleep(1)
        rss_before = probe.usage().rss_bytes
        opened: list[ClientConnection] = []

        async def open_all() -> None:
            opened.extend(await connects(ws_url, sockets))

        connect_ms = await measured(probe, sockets, open_all)
        await asyncio.sleep(3)
        idle_kib = (probe.usage().rss_bytes - rss_before) / sockets / 1024
        await asyncio.gather(*(socket.close() for socket in opened))
    return Costs(database, rest, ws, connect_ms, idle_kib)


def table(results: list[Costs]) -> str:
    lines = [
        "| database | CPU per PATCH | CPU per `task.update` | CPU per connect | RSS per idle socket |",
        "|---|--:|--:|--:|--:|",
    ]
    for cost in results:
        lines.append(
            f"| {cost.database} | {cost.rest_write_ms:.2f} ms | {cost.ws_write_ms:.2f} ms "
            f"| {cost.connect_ms:.2f} ms | {cost.idle_kib:.1f} KiB |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgres"), action="append")
    parser.add_argument("--writes", type=int, default=2_000)
    parser.add_argument("--sockets", type=int, default=1_000)
    args = parser.parse_args()
    results = [
        asyncio.run(measure(database, args.writes, args.sockets))
        for database in args.database or ["sqlite", "postgres"]
    ]
    print(table(results))


if __name__ == "__main__":
    main()
