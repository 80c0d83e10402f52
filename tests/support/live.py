"""A WebSocket test client for live boards, on the real `websockets` library."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

import httpx
from devstack.watcher import ws_url
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from devstack import asyncapi
from tests.conftest import TIMEOUT_UNIT, Account


@dataclass
class LiveClient:
    """One socket; keeps every frame it received so tests can assert on the whole history."""

    socket: ClientConnection
    frames: list[dict[str, Any]] = field(default_factory=list)

    async def send(self, frame: dict[str, Any] | str | bytes, *, conforming: bool = True) -> None:
        """Send a frame; a dict must be a client frame of /asyncapi.json unless `conforming` is
        False (a test that sends a wrong frame on purpose). Text and bytes go as they are."""
        if isinstance(frame, dict) and conforming:
            asyncapi.check_client_frame(frame)
        await self.socket.send(frame if isinstance(frame, (str, bytes)) else json.dumps(frame))

    async def recv(self, timeout: float = 5.0) -> dict[str, Any]:
        raw = await asyncio.wait_for(self.socket.recv(), timeout * TIMEOUT_UNIT)
        frame: dict[str, Any] = json.loads(raw)
        asyncapi.check_server_frame(frame)
        self.frames.append(frame)
        return frame

    async def recv_type(self, kind: str, timeout: float = 5.0) -> dict[str, Any]:
        """The next frame of `kind`, skipping others (presence frames come whenever they like)."""
        deadline = asyncio.get_running_loop().time() + timeout * TIMEOUT_UNIT
        while True:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise TimeoutError(f"no {kind} frame")
            frame = await self.recv(remaining / TIMEOUT_UNIT)
            if frame["type"] == kind:
                return frame

    async def events_until(self, seq: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Event frames received until one with `seq` (inclusive)."""
        events = []
        while True:
            frame = await self.recv_type("event", timeout)
            events.append(frame)
            if frame["seq"] >= seq:
                return events

    async def command(self, kind: str, data: dict[str, Any], ref: str = "r1") -> dict[str, Any]:
        """Send a command and return its reply. A command /asyncapi.json refuses (tests send
        some on purpose) must be refused by the server too: an `error` with code `invalid`."""
        frame = {"type": kind, "ref": ref, "data": data}
        refused = asyncapi.problems(frame, "receiveFrames")
        await self.send(frame, conforming=False)
        while True:
            reply = await self.recv()
            if reply["type"] in ("ack", "error") and reply.get("ref") == ref:
                if refused:
                    assert (reply["type"], reply.get("code")) == ("error", "invalid"), (
                        f"the document refuses {frame} ({refused}), the server answered {reply}"
                    )
                return reply

    async def close_code(self, timeout: float = 5.0) -> int:
        """Read until the server closes; the close code it sent."""
        try:
            while True:
                await asyncio.wait_for(self.socket.recv(), timeout * TIMEOUT_UNIT)
        except ConnectionClosed as closed:
            assert closed.rcvd is not None, "closed without a close frame"
            return closed.rcvd.code

    async def close(self) -> None:
        await self.socket.close()


async def open_live(
    base_url: str, board_id: int, token: str | None, since: int | None = None, **kwargs: Any
) -> LiveClient:
    socket = await connect(
        ws_url(base_url, board_id, token, since),
        open_timeout=10 * TIMEOUT_UNIT,
        compression=None,
        max_size=2**22,
        **kwargs,
    )
    return LiveClient(socket)


async def join(
    base_url: str, board_id: int, account: Account, since: int | None = None
) -> LiveClient:
    """Open a socket and consume its hello."""
    client = await open_live(base_url, board_id, account.token, since)
    hello = await client.recv()
    assert hello["type"] == "hello", hello
    return client


async def new_board(http: httpx.AsyncClient, owner: Account, name: str = "Board") -> dict[str, Any]:
    response = await http.post("/api/boards", json={"name": name}, headers=owner.headers)
    assert response.status_code == 201, response.text
    board: dict[str, Any] = (
        await http.get(f"/api/boards/{response.json()['id']}", headers=owner.headers)
    ).json()
    return board


async def add_member(
    http: httpx.AsyncClient, owner: Account, board_id: int, member: Account, role: str
) -> None:
    response = await http.post(
        f"/api/boards/{board_id}/members",
        json={"username": member.username, "role": role},
        headers=owner.headers,
    )
    assert response.status_code == 201, response.text


async def create_task(
    http: httpx.AsyncClient, account: Account, board_id: int, title: str = "Task", **fields: Any
) -> dict[str, Any]:
    response = await http.post(
        f"/api/boards/{board_id}/tasks", json={"title": title, **fields}, headers=account.headers
    )
    assert response.status_code == 201, response.text
    task: dict[str, Any] = response.json()
    return task


async def update_task(
    http: httpx.AsyncClient, account: Account, task_id: int, **fields: Any
) -> dict[str, Any]:
    """Edit or move a task through the REST API (PATCH, no If-Match: the last write wins)."""
    response = await http.patch(f"/api/tasks/{task_id}", json=fields, headers=account.headers)
    assert response.status_code == 200, response.text
    task: dict[str, Any] = response.json()
    return task
