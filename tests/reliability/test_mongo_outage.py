"""The MongoDB wire server stopped under edits: writes never notice, activity arrives once after.

In CI the outage lasts MONGO_OUTAGE seconds (20), not the minute an operator might see; the
soak (`python -m bench.soak`) runs longer. The stack's nx-27017 keeps its data in memory, so
what was relayed before it stopped is gone after it starts: only entries from the outage on are
counted, and those must all be there, once each, in order.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest

from devstack import Stack
from tests.conftest import TIMEOUT_UNIT
from tests.reliability.conftest import Crew, activity_seqs, board_seq, secrets_in_logs
from tests.reliability.load import RestWriter, percentile, write_rate

pytestmark = pytest.mark.cluster

MONGO_OUTAGE = 20.0
WARMUP = 3.0
RATE = 10.0


async def until_ready_is(
    replicas: list[httpx.AsyncClient], status: int, timeout: float = 15.0
) -> list[dict[str, Any]]:
    """Poll every replica's /readyz until each answers `status`; their bodies."""
    deadline = time.monotonic() + timeout * TIMEOUT_UNIT
    while True:
        answers = [await http.get("/readyz") for http in replicas]
        if all(answer.status_code == status for answer in answers):
            return [answer.json() for answer in answers]
        assert time.monotonic() < deadline, [answer.text for answer in answers]
        await asyncio.sleep(0.2)


async def test_writes_ignore_a_mongodb_outage_and_activity_arrives_once_after(
    stack: Stack, front: httpx.AsyncClient, direct: list[httpx.AsyncClient], crew: Crew
) -> None:
    writer = RestWriter(front, crew.editor, crew.board_id, RATE, "mongo")
    stop = asyncio.Event()
    stream = asyncio.create_task(writer.run(stop))
    started_at = time.monotonic()
    try:
        await asyncio.sleep(WARMUP)
        assert (
            await front.get(f"/api/boards/{crew.board_id}/activity", headers=crew.owner.headers)
        ).status_code == 200
        relayed = await board_seq(front, crew.owner, crew.board_id)  # fmt: skip
        await asyncio.to_thread(stack.stop_mongo)
        down_at = time.monotonic()
        bodies = await until_ready_is(direct, 503)
        assert all(body["failing"] == ["activity"] for body in bodies), bodies
        assert all("activity" in body["detail"] for body in bodies), bodies
        feed = await front.get(f"/api/boards/{crew.board_id}/activity", headers=crew.owner.headers)
        assert (feed.status_code, feed.json()) == (503, {"detail": "activity feed unavailable"})
        await asyncio.sleep(max(0.0, down_at + MONGO_OUTAGE - time.monotonic()))
        up_at = time.monotonic()
        await asyncio.to_thread(stack.start_mongo)
        await until_ready_is(direct, 200)
        await asyncio.sleep(1.0)
    finally:
        stop.set()
        await stream

    assert not writer.failures(), writer.failures()[:5]
    before = writer.seconds(end=down_at)
    during = writer.seconds(down_at, up_at)
    rate_before = write_rate([writer], started_at, down_at)
    rate_during = write_rate([writer], down_at, up_at)
    assert rate_during >= 0.6 * rate_before, (rate_before, rate_during)
    # A write that waited for MongoDB would take its client's timeouts (seconds), not this.
    limit = max(2 * percentile(before, 95), percentile(before, 95) + 0.15 * TIMEOUT_UNIT)
    assert percentile(during, 95) <= limit, (percentile(before, 95), percentile(during, 95))
    assert max(during) < 1.5 * TIMEOUT_UNIT, max(during)

    head = await board_seq(front, crew.owner, crew.board_id)
    seqs = await activity_seqs(front, crew.owner, crew.board_id)
    await asyncio.sleep(1.5)  # one more relay poll on each replica: still no duplicate
    again = await activity_seqs(front, crew.owner, crew.board_id)
    kept = [seq for seq in again if seq > relayed]
    assert kept == list(range(head, relayed, -1)), f"activity after seq {relayed}: {kept[:20]}"
    assert len(again) == len(set(again)) and again == sorted(again, reverse=True)
    assert seqs == again
    assert not secrets_in_logs(stack, [crew.owner, crew.editor])
    print(
        f"mongo outage {MONGO_OUTAGE:.0f} s: {len(during)} writes while down, all 2xx; p95 "
        f"{percentile(before, 95) * 1000:.0f} ms before, {percentile(during, 95) * 1000:.0f} ms "
        f"during (max {max(during) * 1000:.0f} ms); activity {relayed + 1}..{head} complete, "
        f"once each, in order"
    )
