"""S3: one board, the rate raised until delivery falls behind; TaskFlow must sustain 1.0x.

A step is sustained when every event reached every socket (no loss, no lateness past the
drain, no socket closed), p99 stayed under a second, the publisher kept its schedule and the
deliveries came as fast as they were offered (a short step can hide a growing backlog
under the p99 limit; its deliveries then spread over a longer span than the publishing).
Steps grow geometrically up to the first failure, then bisect between the last pass and it.
"""

from __future__ import annotations

import asyncio
import time

from bench.fanout import Window, connect, connect_measurement, write_cost
from bench.loadgen import Fleet
from bench.probe import ServerProbe
from bench.publishers import Publisher
from bench.results import Check, Measurement
from bench.scenarios.config import Ramp
from bench.scenarios.harness import (
    CONNECT_CONCURRENCY,
    SETTLE_SECONDS,
    SUBJECTS,
    Bench,
    opened,
    running,
    window,
)
from bench.stats import ratio
from bench.subjects import Subject

MIN_SHARE = 1.0  # TaskFlow's sustained deliveries/s over the ceiling's (issue 14)


KEEP_UP = 0.9  # share of the offered rate a sustained step must achieve, both ways


def throughput(m: Measurement) -> float:
    """Deliveries per second over the publishing, or over their own span if that was longer."""
    span = max(m.window_seconds, m.delivery_span_s)
    return round(m.deliveries / span, 1) if span > 0 else 0.0


def is_sustained(m: Measurement, shape: Ramp) -> bool:
    p99 = m.latency_ms.get("p99")
    offered = m.offered_events_per_s * m.sockets
    return (
        m.missed == 0
        and m.publish_failures == 0
        and p99 is not None
        and p99 < shape.p99_limit_ms
        and m.achieved_events_per_s >= KEEP_UP * m.offered_events_per_s
        and throughput(m) >= KEEP_UP * offered
    )


async def measure(bench: Bench, shape: Ramp, measured: list[Measurement]) -> None:
    for kind in SUBJECTS:
        async with (
            running(kind, bench, boards=1, users=shape.users, sockets=shape.sockets) as (
                subject,
                fleet,
                probe,
            ),
            opened(subject.publisher()) as publisher,
        ):
            cost = await write_cost(probe, publisher)
            report = await connect(fleet, subject, shape.sockets, concurrency=CONNECT_CONCURRENCY)
            joined = connect_measurement(subject, report, probe)
            joined.extra.update(phase="connect")
            measured.append(joined)
            await asyncio.sleep(SETTLE_SECONDS)
            await steps(
                subject,
                fleet,
                probe,
                publisher,
                shape,
                sockets=report.helloed,
                write_cost_s=cost,
                into=measured,
            )


async def steps(
    subject: Subject,
    fleet: Fleet,
    probe: ServerProbe,
    publisher: Publisher,
    shape: Ramp,
    *,
    sockets: int,
    write_cost_s: float | None,
    into: list[Measurement],
) -> None:
    done: list[Measurement] = []
    deadline = time.monotonic() + shape.budget
    best: float | None = None
    failing: float | None = None

    async def step(rate: float) -> bool:
        plan = Window(rate=rate, duration=shape.step, drain_timeout=shape.drain)
        m = await window(
            subject,
            fleet,
            probe,
            plan,
            sockets=sockets,
            publisher=publisher,
            write_cost_s=write_cost_s,
        )
        ok = is_sustained(m, shape)
        m.extra.update(phase="step", step=len(done) + 1, sustained=ok)
        m.extra["throughput"] = throughput(m)
        done.append(m)
        into.append(m)
        return ok

    rate = shape.start
    while len(done) < shape.max_steps and time.monotonic() < deadline:
        if await step(rate):
            best, rate = rate, rate * shape.factor
        else:
            failing = rate
            break
    for _ in range(shape.refinements):
        if failing is None or time.monotonic() >= deadline:
            break
        if any(m.closed for m in done):
            break  # sockets are gone: a further step would measure a smaller crowd
        await catch_up(fleet, publisher, timeout=shape.drain * 3)
        rate = (best * failing) ** 0.5 if best is not None else failing / shape.factor
        if await step(rate):
            best = rate
        else:
            failing = rate


async def catch_up(fleet: Fleet, publisher: Publisher, *, timeout: float) -> None:
    """Let the backlog of a failed step drain before the next one (not measured)."""
    await fleet.start_window()
    await fleet.drain(await publisher.finals(), timeout=timeout)


def best_sustained(measured: list[Measurement], subject: str) -> Measurement | None:
    passing = [m for m in measured if m.subject == subject and m.extra.get("sustained")]
    return max(passing, key=throughput, default=None)


def checks(measured: list[Measurement]) -> list[Check]:
    taskflow, ceiling = best_sustained(measured, "taskflow"), best_sustained(measured, "ceiling")
    tf = throughput(taskflow) if taskflow else 0.0
    ce = throughput(ceiling) if ceiling else None
    share = ratio(tf, ce)
    tf_rate = taskflow.offered_events_per_s if taskflow else 0.0
    ce_rate = ceiling.offered_events_per_s if ceiling else 0.0
    return [
        Check(
            scenario="S3",
            metric="highest sustained deliveries/s (no loss, p99 < 1 s)",
            unit="deliveries/s",
            taskflow=tf,
            ceiling=ce,
            ratio=share,
            target=f"≥ {MIN_SHARE:g}x ceiling",
            passed=share is not None and share >= MIN_SHARE,
            note=f"reached at {tf_rate:.1f} events/s (TaskFlow) and {ce_rate:.1f} events/s "
            "(ceiling)",
        )
    ]
