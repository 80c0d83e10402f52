"""S1 and S2: one board, a fixed event rate; zero loss and p99 within 2x the ceiling's."""

from __future__ import annotations

import asyncio

from bench.fanout import Window, connect, connect_measurement, write_cost
from bench.results import Check, Measurement
from bench.scenarios.config import FixedRate
from bench.scenarios.harness import (
    CONNECT_CONCURRENCY,
    SETTLE_SECONDS,
    SUBJECTS,
    Bench,
    final_window,
    opened,
    profile_path,
    running,
    window,
)
from bench.stats import ratio

P99_LIMIT = 2.0  # TaskFlow's p99 over the ceiling's


def title(shape: FixedRate) -> str:
    return (
        f"{shape.sockets:,} sockets on one board, {shape.rate:g} events/s for {shape.duration:g} s"
    )


async def measure(code: str, bench: Bench, shape: FixedRate, measured: list[Measurement]) -> None:
    """The crowd grows through `shape.stages` (a short window at each) to `shape.sockets`."""
    for kind in SUBJECTS:
        async with (
            running(kind, bench, boards=1, users=shape.users) as (subject, fleet, probe),
            opened(subject.publisher()) as publisher,
        ):
            cost = await write_cost(probe, publisher)
            helloed = 0
            for crowd in (*shape.stages, shape.sockets):
                report = await connect(
                    fleet, subject, crowd - helloed, offset=helloed, concurrency=CONNECT_CONCURRENCY
                )
                helloed += report.helloed
                joined = connect_measurement(subject, report, probe)
                joined.extra.update(phase="connect", stage=crowd)
                measured.append(joined)
                await asyncio.sleep(SETTLE_SECONDS)
                final = crowd == shape.sockets
                plan = Window(
                    rate=shape.rate,
                    duration=shape.duration if final else shape.stage_duration,
                    drain_timeout=shape.drain,
                )
                result = await window(
                    subject,
                    fleet,
                    probe,
                    plan,
                    sockets=helloed,
                    publisher=publisher,
                    write_cost_s=cost,
                    profile_to=profile_path(bench.config, subject, code) if final else None,
                )
                result.extra.update(phase="window", stage=crowd, final=final)
                measured.append(result)


def checks(code: str, measured: list[Measurement]) -> list[Check]:
    taskflow, ceiling = final_window(measured, "taskflow"), final_window(measured, "ceiling")
    tf_p99 = taskflow.latency_ms.get("p99") if taskflow else None
    ce_p99 = ceiling.latency_ms.get("p99") if ceiling else None
    p99_ratio = ratio(tf_p99, ce_p99)
    return [
        Check(
            scenario=code,
            metric="missed deliveries (lost, late, duplicated, closed)",
            unit="events",
            taskflow=taskflow.missed if taskflow else None,
            ceiling=ceiling.missed if ceiling else None,
            ratio=None,
            target="0",
            passed=taskflow is not None and taskflow.missed == 0,
        ),
        Check(
            scenario=code,
            metric="p99 latency, write sent to receipt",
            unit="ms",
            taskflow=tf_p99,
            ceiling=ce_p99,
            ratio=p99_ratio,
            target=f"≤ {P99_LIMIT:g}x ceiling",
            passed=p99_ratio is not None and p99_ratio <= P99_LIMIT,
        ),
    ]
