"""Replicas crash (kill -9) and stop (SIGTERM) while clients behind Nginx send commands non-stop.

The clients do what the browser client does: on a dropped socket they reconnect through Nginx
with `since=<last seq>` and send every unanswered command again with the same `ref`. They land
on the other replica and must miss no event, see none twice, and find every acknowledged
command applied exactly once. The replica stopped with SIGTERM closes its sockets with 1012.
tests/cluster/test_failover.py covers the crash with REST writers; this adds the commands,
the graceful stop, and both in a row.
"""

from __future__ import annotations

import asyncio
import re
import time

import httpx
import pytest
from devstack.watcher import Watcher, close_all, wait_all

from devstack import Stack
from tests.conftest import TIMEOUT_UNIT
from tests.reliability.conftest import Crew, board_seq, secrets_in_logs
from tests.support.delivery import assert_every_seq_once, open_watchers

pytestmark = pytest.mark.cluster

CLIENTS = 6
PACE = 0.1  # seconds between one client's commands
_GAUGE = re.compile(r"^taskflow_ws_connections (\S+)$", re.MULTILINE)


async def sockets_per_replica(direct: list[httpx.AsyncClient]) -> list[int]:
    counts = []
    for http in direct:
        match = _GAUGE.search((await http.get("/metrics")).text)
        assert match, "taskflow_ws_connections missing from /metrics"
        counts.append(int(float(match[1])))
    return counts


async def holder_of(direct: list[httpx.AsyncClient], count: int) -> int:
    """The replica that holds `count` sockets (a board's sockets meet on one replica)."""
    deadline = time.monotonic() + 10 * TIMEOUT_UNIT
    while True:
        alive = [index for index, http in enumerate(direct) if await healthy(http)]
        counts = await sockets_per_replica([direct[index] for index in alive])
        holders = [index for index, n in zip(alive, counts, strict=True) if n >= count]
        if len(holders) == 1:
            return holders[0]
        assert time.monotonic() < deadline, (
            f"sockets per live replica {dict(zip(alive, counts, strict=True))}"
        )
        await asyncio.sleep(0.1)


async def healthy(http: httpx.AsyncClient) -> bool:
    try:
        return (await http.get("/healthz")).status_code == 200
    except httpx.HTTPError:
        return False


async def keep_commanding(client: Watcher, label: str, stop: asyncio.Event) -> list[str]:
    """task.create commands one after another until stopped; the refs sent."""
    refs: list[str] = []
    for index in range(10_000):
        if stop.is_set():
            break
        ref = f"{label}-{index}"
        refs.append(ref)
        reply = await client.command("task.create", {"title": ref}, ref)
        assert reply["type"] == "ack", reply
        await asyncio.sleep(PACE)
    return refs


async def progress(
    stack: Stack, clients: list[Watcher], beyond: int, timeout: float = 30.0
) -> None:
    """Until every client got an event after `beyond` (so every one of them is served again)."""
    try:
        await wait_all(clients, beyond + 1, timeout)
    except AssertionError as stuck:
        raise AssertionError(f"{stuck}; Nginx said: {nginx_refusals(stack)}") from None


def nginx_refusals(stack: Stack) -> str:
    """How many WebSocket handshakes Nginx answered 502, per second (for a failure message)."""
    per_second: dict[str, int] = {}
    for line in stack.logs()["nginx-access"].splitlines():
        if '"GET /ws/' in line and '" 502 ' in line:
            second = line.split("[", 1)[1][:19]
            per_second[second] = per_second.get(second, 0) + 1
    return f"502 per second {per_second}" if per_second else "no 502"


async def test_kill_9_then_sigterm_lose_no_event_and_no_acknowledged_command(
    stack: Stack, front: httpx.AsyncClient, direct: list[httpx.AsyncClient], crew: Crew
) -> None:
    board = crew.board_id
    clients = await open_watchers(
        CLIENTS, "nginx", stack.url, board, crew.tokens, resume_url=stack.url
    )
    stop = asyncio.Event()
    loops = asyncio.gather(
        *(keep_commanding(client, f"c{index}", stop) for index, client in enumerate(clients))
    )
    base = clients[0].hellos[0]["seq"]
    timings = {}
    try:
        first = await holder_of(direct, CLIENTS)
        await progress(stack, clients, base + 10)

        seq = await board_seq(direct[1 - first], crew.owner, board)
        started = time.monotonic()
        await asyncio.to_thread(stack.kill_replica, first)
        await progress(stack, clients, seq + CLIENTS)
        timings["resumed after kill -9"] = time.monotonic() - started
        assert all(len(c.hellos) == 2 for c in clients), [(c.name, c.closes) for c in clients]
        assert await holder_of(direct, CLIENTS) == 1 - first
        await asyncio.to_thread(stack.start_replica, first)

        second = 1 - first
        seq = await board_seq(direct[first], crew.owner, board)
        started = time.monotonic()
        await asyncio.to_thread(stack.stop_replica, second)
        await progress(stack, clients, seq + CLIENTS)
        timings["resumed after SIGTERM"] = time.monotonic() - started
        assert all(len(c.hellos) >= 3 for c in clients), [(c.name, c.closes) for c in clients]
        assert await holder_of(direct, CLIENTS) == first
        await asyncio.to_thread(stack.start_replica, second)
        await asyncio.sleep(1.0)
    finally:
        stop.set()
        sent = [ref for refs in await loops for ref in refs]
    try:
        # kill -9 leaves no close frame; SIGTERM closes each socket with 1012 (a client that
        # reached the stopping replica again meanwhile gets a second 1012).
        closes = [client.closes for client in clients]
        assert all(c[:2] == [None, 1012] and set(c[2:]) <= {1012} for c in closes), closes
        head = await board_seq(front, crew.owner, board)
        await wait_all(clients, head)
        resyncs = assert_every_seq_once(clients, base + 1, head)
        assert resyncs == 0

        tasks = (await front.get(f"/api/boards/{board}/tasks", headers=crew.owner.headers)).json()
        titles = [task["title"] for task in tasks]
        assert sorted(titles) == sorted(sent), "every command applied exactly once"
        ids = {task["title"]: task["id"] for task in tasks}
        resent = 0
        for client in clients:
            for ref, replies in client.replies.items():
                assert replies[0]["data"]["id"] == ids[ref], (ref, replies)
                # An answer to a re-sent command is the first answer, word for word.
                assert all(reply == replies[0] for reply in replies), replies
                resent += len(replies) - 1
        assert head == base + len(sent)
    finally:
        await close_all(clients)
    assert not secrets_in_logs(stack, [crew.owner, crew.editor])
    print(
        f"replica faults: {len(sent)} commands from {CLIENTS} clients via Nginx, all applied "
        f"once; {sum(c.resent for c in clients)} re-sent after a drop, {resent} answered twice "
        f"(identically); "
        + ", ".join(f"{what} {seconds:.2f} s" for what, seconds in timings.items())
    )
