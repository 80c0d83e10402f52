"""Fan-out across replicas: every subscriber, wherever connected, gets each event once, in order."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from devstack.watcher import wait_all

from devstack import Stack
from tests.cluster.cluster import (
    Team,
    assert_acked,
    assert_all_succeeded,
    board_seq,
    rest_writes,
    ws_writes,
)
from tests.cluster.conftest import Subscribe
from tests.support.delivery import assert_exactly_once_in_order, assert_same_frames

pytestmark = pytest.mark.cluster

WRITES_PER_WRITER = 8


async def test_concurrent_writes_on_every_replica_reach_every_subscriber_once_in_order(
    stack: Stack,
    front: httpx.AsyncClient,
    direct: list[httpx.AsyncClient],
    team: Team,
    subscribe: Subscribe,
) -> None:
    board = team.board_id
    replicas = [replica.url for replica in stack.replicas]
    subscribers = [
        await subscribe(f"replica {index} {who.username}", url, board, who)
        for index, url in enumerate(replicas)
        for who in (team.owner, team.editor)
    ]
    subscribers += [
        await subscribe(f"nginx {who.username}", stack.url, board, who)
        for who in (team.owner, team.editor)
    ]
    base = await board_seq(front, team.owner, board)  # the editor joining was an event
    assert [subscriber.hellos[0]["seq"] for subscriber in subscribers] == [base] * len(subscribers)

    # Writers at once: REST through Nginx and straight to each replica, commands on each replica
    # and through Nginx. Their events reach each replica in any order; the hub must sort them out.
    rest = [
        rest_writes(front, team.owner, board, WRITES_PER_WRITER, "nginx rest"),
        *(
            rest_writes(http, team.editor, board, WRITES_PER_WRITER, f"replica {index} rest")
            for index, http in enumerate(direct)
        ),
    ]
    commands = [
        ws_writes(subscribers[0], WRITES_PER_WRITER, "replica-0-ws"),
        ws_writes(subscribers[3], WRITES_PER_WRITER, "replica-1-ws"),
        ws_writes(subscribers[4], WRITES_PER_WRITER, "nginx-ws"),
    ]
    rest_results, command_results = await asyncio.gather(
        asyncio.gather(*rest), asyncio.gather(*commands)
    )
    for statuses in rest_results:
        assert_all_succeeded(statuses)
    for replies in command_results:
        assert_acked(replies)

    head = base + WRITES_PER_WRITER * (len(rest) + len(commands))
    assert await board_seq(front, team.owner, board) == head
    await wait_all(subscribers, head)
    await asyncio.sleep(0.3)  # anything delivered twice or late would land now
    for subscriber in subscribers:
        assert_exactly_once_in_order(subscriber, head, first_seq=base + 1)
    assert_same_frames(subscribers)

    # An ack names the seq of its event, and that event carries the acknowledged task.
    events = {event["seq"]: event for event in subscribers[0].events}
    for replies in command_results:
        for reply in replies:
            assert events[reply["seq"]]["data"] == reply["data"], reply["ref"]
