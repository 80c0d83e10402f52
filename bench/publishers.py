"""Publishers: what makes events happen, and what the final seq of each board is afterwards.

Both stamp `time.monotonic()` into the task's description right before the event leaves,
so every delivery's latency runs from the same moment: the write being sent.

- `ControlPublisher` (ceiling): one message on the ceiling's `/control` socket per event.
- `RestPublisher` (TaskFlow): `PATCH /api/tasks/{id}` with the stamp as the new description,
  committed to the database; the event is the server's own `task.updated`. The board's members
  write in turn, so no account passes the shipped per-user write limit.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Protocol

import httpx
import orjson
from websockets.asyncio.client import ClientConnection, connect

from bench.fixtures import World, auth, board_seqs
from bench.wire import stamp, task_like


class Publisher(Protocol):
    async def open(self) -> None: ...
    async def publish(self, index: int) -> None: ...
    async def finals(self) -> dict[int, int]: ...
    async def close(self) -> None: ...


class ControlPublisher:
    """Events sent into the ceiling over its control socket; boards are taken in turn."""

    def __init__(self, control_url: str, boards: list[int]) -> None:
        self.control_url = control_url
        self.boards = boards
        self.published: Counter[int] = Counter()
        self.ws: ClientConnection | None = None

    async def open(self) -> None:
        self.ws = await connect(self.control_url, compression=None, proxy=None)

    async def publish(self, index: int) -> None:
        assert self.ws is not None, "open() first"
        board_id = self.boards[index % len(self.boards)]
        data = task_like(task_id=index, board_id=board_id, description=stamp(time.monotonic()))
        await self.ws.send(orjson.dumps({"board_id": board_id, "data": data}).decode())
        self.published[board_id] += 1

    async def finals(self) -> dict[int, int]:
        # The ceiling numbers each board's events 1, 2, ... in the order it reads them.
        return {board_id: self.published[board_id] for board_id in self.boards}

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()


class RestPublisher:
    """`PATCH /api/tasks/{id}`; boards in turn, their tasks and their members in turn."""

    def __init__(self, base_url: str, world: World) -> None:
        self.base_url = base_url
        self.world = world
        self.boards = list(world.boards)
        self.client: httpx.AsyncClient | None = None

    async def open(self) -> None:
        self.client = httpx.AsyncClient(
            base_url=self.base_url,
            timeout=httpx.Timeout(10.0),
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=64),
        )

    async def publish(self, index: int) -> None:
        assert self.client is not None, "open() first"
        board_id = self.boards[index % len(self.boards)]
        board_tasks = self.world.tasks[board_id]
        turn = index // len(self.boards)
        task_id = board_tasks[turn % len(board_tasks)]
        members = self.world.members_of[board_id]
        writer = members[turn % len(members)]
        headers = {**auth(writer), "Content-Type": "application/json"}
        body = orjson.dumps({"description": stamp(time.monotonic())})
        response = await self.client.patch(f"/api/tasks/{task_id}", content=body, headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"PATCH answered {response.status_code}: {response.text[:80]}")

    async def finals(self) -> dict[int, int]:
        owners = {member.username: member for member in self.world.owner_of.values()}
        seqs = await board_seqs(self.base_url, owners.values())
        return {board_id: seqs[board_id] for board_id in self.boards}

    async def close(self) -> None:
        if self.client is not None:
            await self.client.aclose()
