"""A crash of the replica holding a board's sockets: clients resume via Nginx, missing nothing."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from devstack.watcher import wait_all

from devstack import Stack
from tests.cluster.cluster import (
    Team,
    assert_acked,
    assert_all_succeeded,
    board_seq,
    holder_after,
    rest_writes,
    ws_gauges,
    ws_writes,
)
from tests.cluster.conftest import Subscribe
from tests.support.delivery import assert_exactly_once_in_order, assert_same_frames

pytestmark = pytest.mark.cluster

REST_WRITES = 40
COMMANDS = 10


async def test_kill_9_of_the_socket_holder_loses_no_event_for_resuming_clients(
    stack: Stack,
    front: httpx.AsyncClient,
    direct: list[httpx.AsyncClient],
    team: Team,
    subscribe: Subscribe,
) -> None:
    board = team.board_id
    before = await ws_gauges(direct)
    # One resumes at once, the others back off a little and so miss more while writes go on.
    resuming = [
        await subscribe(
            f"nginx {index}", stack.url, board, who, resume_url=stack.url, resume_delay=delay
        )
        for index, (who, delay) in enumerate(
            ((team.owner, 0.0), (team.editor, 0.3), (team.owner, 0.6))
        )
    ]
    holder = await holder_after(direct, before, len(resuming))
    survivor = 1 - holder
    watcher = await subscribe(
        f"replica {survivor} (survives)", stack.replicas[survivor].url, board, team.editor
    )
    everyone = [*resuming, watcher]
    base = resuming[0].hellos[0]["seq"]

    # Writes through Nginx and commands on the survivor run on while the holder dies; the gate
    # puts the kill between two REST writes, so none of them is cut in flight.
    gate = asyncio.Lock()
    writes = asyncio.create_task(
        rest_writes(front, team.owner, board, REST_WRITES, "through nginx", gate, pace=0.03)
    )
    commands = asyncio.create_task(ws_writes(watcher, COMMANDS, "survivor-ws"))
    await resuming[0].wait_seq(base + 5)
    async with gate:
        await asyncio.to_thread(stack.kill_replica, holder)
        killed_at = time.monotonic()
        seq_at_kill = await board_seq(direct[survivor], team.owner, board)
    assert_all_succeeded(await writes)
    assert_acked(await commands)

    head = await board_seq(front, team.owner, board)
    assert head == base + REST_WRITES + COMMANDS
    await wait_all(everyone, head, timeout=20)
    await asyncio.sleep(0.3)  # anything delivered twice or late would land now
    for subscriber in everyone:
        assert_exactly_once_in_order(subscriber, head, first_seq=base + 1)
    assert_same_frames(everyone)

    assert watcher.drops == [] and len(watcher.hellos) == 1, "the survivor's socket was disturbed"
    for subscriber in resuming:
        assert len(subscriber.drops) == 1 and len(subscriber.hellos) == 2, (
            f"{subscriber.name}: {len(subscriber.drops)} drops, {len(subscriber.hellos)} hellos"
        )
    reconnects = [subscriber.hello_times[1] - killed_at for subscriber in resuming]
    replayed = [
        sum(
            1
            for at, frame in zip(subscriber.arrivals, subscriber.frames, strict=True)
            if frame["type"] == "event"
            and at >= subscriber.hello_times[1]
            and frame["seq"] <= subscriber.hellos[1]["seq"]
        )
        for subscriber in resuming
    ]
    caught_up = [subscriber.arrival_of(head) - killed_at for subscriber in resuming]
    print(
        f"failover: seq {seq_at_kill} at the kill, head {head}; resumed after "
        f"{max(reconnects):.2f} s (max), replayed {replayed} events via since, "
        f"at head {max(caught_up):.2f} s after the kill"
    )
