"""The world a TaskFlow scenario needs, made through the public REST API.

Users are registered once and signed in once each (Argon2 costs ~150 ms per call; a token is
reused for every socket of its user). Two layouts:

- shared boards (one-board scenarios): the first user owns every board and the others join
  each one as editors, so a board's crowd and its writes are spread over several users (the
  shipped server limits sockets and writes per user);
- spread boards (S4's 200 boards): each user owns its share of the boards and subscribes to
  them itself, which keeps setup to one call per board instead of one per seat.
"""

from __future__ import annotations

import asyncio
import functools
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx

PASSWORD = "bench-password-1"
SETUP_CONCURRENCY = 8
T = TypeVar("T")


@dataclass(frozen=True)
class Member:
    username: str
    token: str


@dataclass
class World:
    users: list[Member]
    boards: list[int]
    owner_of: dict[int, Member] = field(default_factory=dict)
    members_of: dict[int, list[Member]] = field(default_factory=dict)
    tasks: dict[int, list[int]] = field(default_factory=dict)


async def bounded(jobs: Iterable[Callable[[], Awaitable[T]]], limit: int) -> list[T]:
    """Run the jobs with at most `limit` at a time, results in order."""
    gate = asyncio.Semaphore(limit)

    async def run(job: Callable[[], Awaitable[T]]) -> T:
        async with gate:
            return await job()

    return list(await asyncio.gather(*(run(job) for job in jobs)))


def _checked(response: httpx.Response) -> Any:
    if response.is_error:
        raise RuntimeError(
            f"{response.request.method} {response.request.url.path}: "
            f"{response.status_code} {response.text[:200]}"
        )
    return response.json() if response.content else None


def auth(member: Member) -> dict[str, str]:
    return {"Authorization": f"Bearer {member.token}"}


async def _member(client: httpx.AsyncClient, username: str) -> Member:
    body = {"username": username, "email": f"{username}@example.com", "password": PASSWORD}
    _checked(await client.post("/api/users", json=body))
    form = {"username": username, "password": PASSWORD}
    token = _checked(await client.post("/api/auth/token", data=form))["access_token"]
    return Member(username, token)


async def build_world(
    base_url: str, *, users: int, boards: int, shared: bool, tasks_per_board: int = 4
) -> World:
    """Register `users` and create `boards` (shared: one owner, the rest seated as editors)."""
    run = uuid.uuid4().hex[:6]
    timeout = httpx.Timeout(60.0)
    limits = httpx.Limits(max_connections=SETUP_CONCURRENCY * 2)
    async with httpx.AsyncClient(base_url=base_url, timeout=timeout, limits=limits) as client:
        people = await bounded(
            [functools.partial(_member, client, f"bench_{run}_{n}") for n in range(max(1, users))],
            SETUP_CONCURRENCY,
        )

        async def new_board(number: int) -> tuple[int, Member]:
            owner = people[0] if shared else people[number % len(people)]
            body = {"name": f"bench board {number}"}
            board = _checked(await client.post("/api/boards", json=body, headers=auth(owner)))
            return int(board["id"]), owner

        made_boards = await bounded(
            [functools.partial(new_board, n) for n in range(boards)], SETUP_CONCURRENCY
        )
        world = World(users=people, boards=[board_id for board_id, _ in made_boards])
        for board_id, owner in made_boards:
            world.owner_of[board_id] = owner
            world.members_of[board_id] = [owner]

        async def seat(board_id: int, editor: Member) -> None:
            body = {"username": editor.username, "role": "editor"}
            path = f"/api/boards/{board_id}/members"
            _checked(await client.post(path, json=body, headers=auth(world.owner_of[board_id])))
            world.members_of[board_id].append(editor)

        if shared:
            await bounded(
                [functools.partial(seat, b, v) for b in world.boards for v in people[1:]],
                SETUP_CONCURRENCY,
            )

        async def new_task(board_id: int, number: int) -> tuple[int, int]:
            body = {"title": f"bench task {number}"}
            path = f"/api/boards/{board_id}/tasks"
            owner = world.owner_of[board_id]
            task = _checked(await client.post(path, json=body, headers=auth(owner)))
            return board_id, int(task["id"])

        made_tasks = await bounded(
            [
                functools.partial(new_task, b, n)
                for b in world.boards
                for n in range(tasks_per_board)
            ],
            SETUP_CONCURRENCY,
        )
    for board_id, task_id in made_tasks:
        world.tasks.setdefault(board_id, []).append(task_id)
    return world


async def board_seqs(base_url: str, members: Iterable[Member]) -> dict[int, int]:
    """The current seq of every board the members belong to (one `GET /api/boards` each)."""
    seqs: dict[int, int] = {}
    async with httpx.AsyncClient(base_url=base_url, timeout=30.0) as client:
        for member in members:
            for board in _checked(await client.get("/api/boards", headers=auth(member))):
                seqs[int(board["id"])] = int(board["seq"])
    return seqs
