"""Shortcuts for cluster tests: accounts whose secrets are remembered, writes, replica gauges."""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
import uuid
from dataclasses import dataclass

import httpx
from devstack.watcher import Frame, Watcher

from tests.conftest import TIMEOUT_UNIT, Account, register
from tests.support.live import add_member, new_board

LOG_CHECK_MODULE = "test_secrets_in_logs.py"
# Every account a cluster test made in this session: its token and password must appear in no log.
ACCOUNTS: list[Account] = []


async def new_account(http: httpx.AsyncClient, prefix: str = "cl") -> Account:
    account = await register(http, f"{prefix}_{uuid.uuid4().hex[:10]}")
    ACCOUNTS.append(account)
    return account


@dataclass
class Team:
    owner: Account
    editor: Account
    board_id: int


async def make_team(http: httpx.AsyncClient) -> Team:
    owner, editor = await asyncio.gather(new_account(http), new_account(http))
    board = await new_board(http, owner, "cluster")
    await add_member(http, owner, board["id"], editor, "editor")
    return Team(owner, editor, int(board["id"]))


async def board_seq(http: httpx.AsyncClient, account: Account, board_id: int) -> int:
    response = await http.get(f"/api/boards/{board_id}", headers=account.headers)
    assert response.status_code == 200, response.text
    return int(response.json()["seq"])


async def rest_writes(
    http: httpx.AsyncClient,
    account: Account,
    board_id: int,
    count: int,
    label: str,
    gate: asyncio.Lock | None = None,
    pace: float = 0.0,
    until: asyncio.Event | None = None,
) -> list[tuple[str, int]]:
    """Up to `count` writes, each one event: a task created, then alternately renamed and created.

    Returns (what, status) per write. With `gate`, each write holds it, so a fault injected
    under the same lock falls between two writes, never inside one; `pace` spaces them out;
    `until` ends them early (at most `count` either way).
    """
    statuses: list[tuple[str, int]] = []
    task_id: int | None = None
    for index in range(count):
        if until is not None and until.is_set():
            break
        if pace:
            await asyncio.sleep(pace)
        async with gate or contextlib.nullcontext():
            if task_id is None or index % 2 == 0:
                response = await http.post(
                    f"/api/boards/{board_id}/tasks",
                    json={"title": f"{label} {index}"},
                    headers=account.headers,
                )
                if response.status_code == 201:
                    task_id = int(response.json()["id"])
                statuses.append((f"POST {label} {index}", response.status_code))
            else:
                response = await http.patch(
                    f"/api/tasks/{task_id}",
                    json={"title": f"{label} {index} renamed"},
                    headers=account.headers,
                )
                statuses.append((f"PATCH {label} {index}", response.status_code))
    return statuses


async def ws_writes(subscriber: Watcher, count: int, label: str) -> list[Frame]:
    """`count` commands on the subscriber's socket, alternately task.create and task.update."""
    replies = []
    task_id: int | None = None
    for index in range(count):
        ref = f"{label}-{index}"
        if task_id is None or index % 2 == 0:
            reply = await subscriber.command("task.create", {"title": f"{label} {index}"}, ref)
            if reply["type"] == "ack":
                task_id = int(reply["data"]["id"])
        else:
            data = {"id": task_id, "title": f"{label} {index} renamed"}
            reply = await subscriber.command("task.update", data, ref)
        replies.append(reply)
    return replies


def assert_all_succeeded(statuses: list[tuple[str, int]]) -> None:
    failed = [(what, status) for what, status in statuses if status not in (200, 201)]
    assert not failed, f"{len(failed)} of {len(statuses)} writes failed: {failed[:10]}"


def assert_acked(replies: list[Frame]) -> None:
    refused = [reply for reply in replies if reply["type"] != "ack"]
    assert not refused, f"{len(refused)} of {len(replies)} commands refused: {refused[:5]}"


_GAUGE = re.compile(r"^taskflow_ws_connections (\S+)$", re.MULTILINE)


async def ws_gauges(direct: list[httpx.AsyncClient]) -> list[int]:
    """Each replica's open live-board sockets (its /metrics gauge)."""
    values = []
    for http in direct:
        text = (await http.get("/metrics")).text
        match = _GAUGE.search(text)
        assert match, "taskflow_ws_connections missing from /metrics"
        values.append(int(float(match[1])))
    return values


async def holder_after(
    direct: list[httpx.AsyncClient], before: list[int], opened: int, timeout: float = 5.0
) -> int:
    """The replica whose gauge grew by `opened` sockets since `before` while the others did not."""
    deadline = time.monotonic() + timeout * TIMEOUT_UNIT
    while True:
        deltas = [now - then for now, then in zip(await ws_gauges(direct), before, strict=True)]
        holders = [index for index, delta in enumerate(deltas) if delta >= opened]
        others = [delta for index, delta in enumerate(deltas) if index not in holders]
        if len(holders) == 1 and all(delta <= 0 for delta in others):
            return holders[0]
        if time.monotonic() > deadline:
            raise AssertionError(
                f"the {opened} sockets opened through Nginx are not all on one replica: "
                f"gauge deltas {deltas}"
            )
        await asyncio.sleep(0.1)


async def readiness(http: httpx.AsyncClient, status: int, timeout: float = 10.0) -> float:
    """Poll /readyz until it answers `status`; seconds it took."""
    started = time.monotonic()
    deadline = started + timeout * TIMEOUT_UNIT
    while True:
        response = await http.get("/readyz")
        if response.status_code == status:
            return time.monotonic() - started
        if time.monotonic() > deadline:
            raise AssertionError(
                f"{http.base_url}/readyz still {response.status_code} {response.text}, "
                f"not {status}, after {timeout} s"
            )
        await asyncio.sleep(0.1)
