"""S4: the whole topology. Nginx, two replicas, PostgreSQL, Redis; REST writes; many boards.

The figure is per event: from the PATCH being sent to the last of the board's subscribers
receiving it. The ceiling (one process, no proxy, no database) runs the same crowd and rate
for reference; the target itself is absolute.
"""

from __future__ import annotations

import asyncio

from bench.fanout import Window, connect, connect_measurement
from bench.results import Check, Measurement
from bench.scenarios import harness
from bench.scenarios.config import EndToEnd
from bench.scenarios.harness import Bench
from bench.stats import ratio

P99_LIMIT_MS = 100.0


async def measure(bench: Bench, shape: EndToEnd, measured: list[Measurement]) -> None:
    for kind in ("ceiling", "cluster"):
        async with harness.running(
            kind,
            bench,
            boards=shape.boards,
            users=shape.users,
            sockets=shape.sockets,
            shared=False,
        ) as (subject, fleet, probe):
            report = await connect(
                fleet, subject, shape.sockets, concurrency=harness.CONNECT_CONCURRENCY
            )
            joined = connect_measurement(subject, report, probe)
            joined.extra.update(phase="connect")
            measured.append(joined)
            await asyncio.sleep(harness.SETTLE_SECONDS)
            plan = Window(rate=shape.rate, duration=shape.duration, drain_timeout=shape.drain)
            async with harness.opened(subject.publisher()) as publisher:
                result = await harness.window(
                    subject,
                    fleet,
                    probe,
                    plan,
                    sockets=report.helloed,
                    publisher=publisher,
                    profile_to=harness.profile_path(bench.config, subject, "S4"),
                )
            result.extra.update(phase="window", final=True)
            measured.append(result)


def checks(measured: list[Measurement]) -> list[Check]:
    taskflow, ceiling = (
        harness.final_window(measured, "taskflow"),
        harness.final_window(measured, "ceiling"),
    )
    tf_p99 = taskflow.last_subscriber_ms.get("p99") if taskflow else None
    ce_p99 = ceiling.last_subscriber_ms.get("p99") if ceiling else None
    return [
        Check(
            scenario="S4",
            metric="p99, PATCH sent to the last subscriber's receipt",
            unit="ms",
            taskflow=tf_p99,
            ceiling=ce_p99,
            ratio=ratio(tf_p99, ce_p99),
            target=f"< {P99_LIMIT_MS:g} ms",
            passed=tf_p99 is not None and tf_p99 < P99_LIMIT_MS,
            note="TaskFlow through Nginx to two replicas (PostgreSQL, Redis); the ceiling direct",
        ),
        harness.missed_deliveries("S4", taskflow, ceiling),
    ]
