"""The two things measured side by side, behind one interface.

A subject knows its server's processes, how to lay N sockets over its boards, and which
publisher makes its events. `CeilingSubject` needs no setup; `TaskFlowSubject` builds its
users, boards and tasks through the REST API first.
"""

from __future__ import annotations

from typing import Protocol

from bench.fixtures import World, build_world
from bench.loadgen import Target
from bench.publishers import ControlPublisher, Publisher, RestPublisher
from bench.servers import CeilingServer, TaskFlowCluster


class Server(Protocol):
    name: str

    @property
    def ws_url(self) -> str: ...
    @property
    def pids(self) -> list[int]: ...


class HttpServer(Server, Protocol):
    @property
    def url(self) -> str: ...


class Subject(Protocol):
    name: str

    @property
    def pids(self) -> list[int]: ...
    @property
    def boards(self) -> list[int]: ...
    @property
    def redis_pids(self) -> list[int]: ...
    async def prepare(self, *, boards: int, users: int, shared: bool) -> None: ...
    def targets(self, sockets: int, *, offset: int = 0) -> list[Target]: ...
    def publisher(self) -> Publisher: ...


class CeilingSubject:
    name = "ceiling"

    def __init__(self, server: CeilingServer) -> None:
        self.server = server
        self._boards: list[int] = [1]

    @property
    def pids(self) -> list[int]:
        return self.server.pids

    @property
    def boards(self) -> list[int]:
        return self._boards

    @property
    def redis_pids(self) -> list[int]:
        return []

    async def prepare(self, *, boards: int, users: int, shared: bool) -> None:
        self._boards = list(range(1, boards + 1))

    def targets(self, sockets: int, *, offset: int = 0) -> list[Target]:
        boards = self._boards
        return [
            Target(f"{self.server.ws_url}/ws/boards/{board}?token=ceiling-{n}", board)
            for n in range(offset, offset + sockets)
            for board in (boards[n % len(boards)],)
        ]

    def publisher(self) -> Publisher:
        return ControlPublisher(self.server.control_url, self._boards)


class TaskFlowSubject:
    def __init__(self, server: HttpServer) -> None:
        self.server = server
        self.name = server.name  # "taskflow", or which Redis it runs on when S4 compares two
        self.world: World | None = None

    @property
    def pids(self) -> list[int]:
        return self.server.pids

    @property
    def boards(self) -> list[int]:
        return self._world().boards

    @property
    def redis_pids(self) -> list[int]:
        """The redis-servers behind the replicas, when the bench started them (S4's stacks)."""
        return self.server.redis_pids if isinstance(self.server, TaskFlowCluster) else []

    async def prepare(self, *, boards: int, users: int, shared: bool) -> None:
        self.world = await build_world(self.server.url, users=users, boards=boards, shared=shared)

    def targets(self, sockets: int, *, offset: int = 0) -> list[Target]:
        """Socket n goes to board n mod B, as the board's members in turn."""
        world = self._world()
        boards = world.boards
        targets = []
        for n in range(offset, offset + sockets):
            board = boards[n % len(boards)]
            members = world.members_of[board]
            member = members[(n // len(boards)) % len(members)]
            targets.append(
                Target(f"{self.server.ws_url}/ws/boards/{board}?token={member.token}", board)
            )
        return targets

    def publisher(self) -> Publisher:
        return RestPublisher(self.server.url, self._world())

    def _world(self) -> World:
        if self.world is None:
            raise RuntimeError("prepare() first")
        return self.world
