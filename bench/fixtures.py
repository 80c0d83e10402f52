"""The world a TaskFlow scenario needs, made through the public REST API.

Users are registered once and signed in once each (Argon2 costs ~150 ms per call; a token is
reused for every socket of its user). The first user owns every board; the others join
each board as viewers, so a board's sockets belong to several users, as in real use.
"""

from __future__ import annotations

import asyncio
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
    owner: Member
    viewers: list[Member]
    boards: list[int]
    tasks: dict[int, list[int]] = field(default_factory=dict)

    @property
    def members(self) -> list[Member]:
        return [self.owner, *self.viewers]


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


async def _member(client: httpx.AsyncClient, username: str) -> Member:
    _checked(
        await client.post(
            "/api/users",
            json={"username": username, "email": f"{username}@example.com", "password": PASSWORD},
        )
    )
    token = _checked(
        await client.post("/api/auth/token", data={"username": username, "password": PASSWORD})
    )["access_token"]
    return Member(username, token)


def _auth(member: Member) -> dict[str, str]:
    return {"Authorization": f"Bearer {member.token}"}


async def build_world(base_url: str, *, users: int, boards: int, tasks_per_board: int = 4) -> World:
    """Register `users`, create `boards` owned by the first, seat the rest as viewers."""
    run = uuid.uuid4().hex[:6]
    timeout = httpx.Timeout(60.0)
    limits = httpx.Limits(max_connections=SETUP_CONCURRENCY * 2)
    async with httpx.AsyncClient(base_url=base_url, timeout=timeout, limits=limits) as client:
        people = await bounded(
            [lambda n=n: _member(client, f"bench_{run}_{n}") for n in range(max(1, users))],
            SETUP_CONCURRENCY,
        )
        owner, viewers = people[0], people[1:]

        async def new_board(number: int) -> int:
            body = {"name": f"bench board {number}"}
            board = _checked(await client.post("/api/boards", json=body, headers=_auth(owner)))
            return int(board["id"])

        board_ids = await bounded(
            [lambda n=n: new_board(n) for n in range(boards)], SETUP_CONCURRENCY
        )

        async def seat(board_id: int, viewer: Member) -> None:
            body = {"username": viewer.username, "role": "viewer"}
            path = f"/api/boards/{board_id}/members"
            _checked(await client.post(path, json=body, headers=_auth(owner)))

        await bounded(
            [lambda b=b, v=v: seat(b, v) for b in board_ids for v in viewers], SETUP_CONCURRENCY
        )

        async def new_task(board_id: int, number: int) -> tuple[int, int]:
            body = {"title": f"bench task {number}"}
            path = f"/api/boards/{board_id}/tasks"
            task = _checked(await client.post(path, json=body, headers=_auth(owner)))
            return board_id, int(task["id"])

        made = await bounded(
            [lambda b=b, n=n: new_task(b, n) for b in board_ids for n in range(tasks_per_board)],
            SETUP_CONCURRENCY,
        )
    world = World(owner=owner, viewers=viewers, boards=board_ids)
    for board_id, task_id in made:
        world.tasks.setdefault(board_id, []).append(task_id)
    return world


async def board_seqs(base_url: str, member: Member) -> dict[int, int]:
    """Every board of `member` and its current seq (one `GET /api/boards`)."""
    async with httpx.AsyncClient(base_url=base_url, timeout=30.0) as client:
        boards = _checked(await client.get("/api/boards", headers=_auth(member)))
    return {int(board["id"]): int(board["seq"]) for board in boards}
