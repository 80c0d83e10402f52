"""S1 and S2: one board, a fixed event rate; zero loss and p99 within 2x the ceiling's.

S1 also holds TaskFlow's PATCH answers to a p99 of 50 ms; S2 goes on past its checked crowd to
larger ones (`beyond`), whose figures are reported without a target.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from bench.fanout import Window, connect, connect_measurement, write_cost
from bench.results import Check, Measurement
from bench.scenarios.config import FixedRate
from bench.scenarios.harness import (
    CONNECT_CONCURRENCY,
    SETTLE_SECONDS,
    SUBJECTS,
    Bench,
    final_window,
    missed_deliveries,
    opened,
    profile_path,
    running,
    window,
)
from bench.stats import ratio

P99_LIMIT = 2.0  # TaskFlow's p99 over the ceiling's
# A p99 only counts when the writes kept to this share of the offered rate, none failing: a
# server that slows its own writes down delivers fewer events, and a p99 over fewer events.
KEEP_UP = 0.9
PATCH_P99_LIMIT_MS = 50.0  # issue 14, S1


def title(shape: FixedRate) -> str:
    beyond = "".join(f", then {crowd:,} sockets" for crowd in shape.beyond)
    return (
        f"{shape.sockets:,} sockets on one board, {shape.rate:g} events/s for {shape.duration:g} s"
        f" ({shape.in_flight} writes in flight){beyond}"
    )


def plan_for(shape: FixedRate, crowd: int) -> Window:
    if crowd == shape.sockets:
        duration, drain = shape.duration, shape.drain
    elif crowd in shape.beyond:
        duration, drain = shape.beyond_duration, shape.beyond_drain
    else:
        duration, drain = shape.stage_duration, shape.drain
    return Window(
        rate=shape.rate, duration=duration, drain_timeout=drain, in_flight=shape.in_flight
    )


async def measure(code: str, bench: Bench, shape: FixedRate, measured: list[Measurement]) -> None:
    """The crowd grows through `shape.stages` (a short window at each) to `shape.sockets`, then
    on through `shape.beyond`."""
    for kind in SUBJECTS:
        async with (
            running(kind, bench, boards=1, users=shape.users, sockets=shape.largest) as (
                subject,
                fleet,
                probe,
            ),
            opened(subject.publisher()) as publisher,
        ):
            cost = await write_cost(probe, publisher)
            helloed = 0
            for crowd in (*shape.stages, shape.sockets, *shape.beyond):
                report = await connect(
                    fleet, subject, crowd - helloed, offset=helloed, concurrency=CONNECT_CONCURRENCY
                )
                helloed += report.helloed
                joined = connect_measurement(subject, report, probe)
                joined.extra.update(phase="connect", stage=crowd)
                measured.append(joined)
                await asyncio.sleep(SETTLE_SECONDS)
                final = crowd == shape.sockets
                result = await window(
                    subject,
                    fleet,
                    probe,
                    plan_for(shape, crowd),
                    sockets=helloed,
                    publisher=publisher,
                    write_cost_s=cost,
                    profile_to=profile_path(bench.config, subject, code) if final else None,
                )
                result.extra.update(
                    phase="window", stage=crowd, final=final, beyond=crowd in shape.beyond
                )
                measured.append(result)


def events_per_s(m: Measurement) -> float | None:
    """Events each socket received per second: its deliveries over publishing and delivery."""
    return round(m.deliveries_per_s / m.sockets, 2) if m.sockets and m.deliveries else None


def missed_note(m: Measurement | None) -> str:
    if m is None:
        return ""
    closed = sum(m.closed.values())
    return (
        f"TaskFlow: {m.lost} lost, {m.undelivered} late, {m.duplicated} duplicated, "
        f"{closed} closed of {m.published * m.sockets:,} deliveries due"
    )


def kept_up(m: Measurement) -> bool:
    return m.publish_failures == 0 and m.achieved_events_per_s >= KEEP_UP * m.offered_events_per_s


def pace_note(taskflow: Measurement | None, ceiling: Measurement | None) -> str:
    notes = []
    if taskflow is not None and not kept_up(taskflow):
        notes.append(
            f"TaskFlow's writes kept to {taskflow.achieved_events_per_s:g} of the "
            f"{taskflow.offered_events_per_s:g} events/s offered ({taskflow.publish_failures} "
            f"failed or timed out), so its p99 covers fewer events: not met"
        )
    if ceiling is not None and ceiling.sockets:
        offered = ceiling.offered_events_per_s * ceiling.sockets
        if ceiling.deliveries_per_s < KEEP_UP * offered:
            notes.append(
                f"the ceiling itself delivered {ceiling.deliveries_per_s:,.0f} of the "
                f"{offered:,.0f} deliveries/s offered (saturated on this machine)"
            )
    return "; ".join(notes)


def checks(code: str, measured: list[Measurement], shape: FixedRate) -> list[Check]:
    taskflow, ceiling = final_window(measured, "taskflow"), final_window(measured, "ceiling")
    tf_p99 = taskflow.latency_ms.get("p99") if taskflow else None
    ce_p99 = ceiling.latency_ms.get("p99") if ceiling else None
    p99_ratio = ratio(tf_p99, ce_p99)
    paced = taskflow is not None and kept_up(taskflow)
    at = f" at {shape.sockets:,} sockets"
    rows = [
        missed_deliveries(code, taskflow, ceiling, at=at, note=missed_note(taskflow)),
        Check(
            scenario=code,
            metric=f"p99 latency, write sent to receipt{at}",
            unit="ms",
            taskflow=tf_p99,
            ceiling=ce_p99,
            ratio=p99_ratio,
            target=f"≤ {P99_LIMIT:g}x ceiling, writes at ≥ {KEEP_UP:g}x the offered rate",
            passed=paced and p99_ratio is not None and p99_ratio <= P99_LIMIT,
            note=pace_note(taskflow, ceiling),
        ),
    ]
    if code == "S1":
        patch = taskflow.write_ms if taskflow else {}
        tf_events, ce_events = (events_per_s(m) if m else None for m in (taskflow, ceiling))
        rows += [
            Check(
                scenario=code,
                metric="PATCH answer p99",
                unit="ms",
                taskflow=patch.get("p99"),
                ceiling=None,
                ratio=None,
                target=f"≤ {PATCH_P99_LIMIT_MS:g} ms",
                passed=(p99 := patch.get("p99")) is not None and p99 <= PATCH_P99_LIMIT_MS,
                note=f"p50 {patch.get('p50')} ms, p95 {patch.get('p95')} ms, "
                f"max {patch.get('max')} ms",
            ),
            Check(
                scenario=code,
                metric=f"delivered events/s per socket, of the {shape.rate:g} offered",
                unit="events/s",
                taskflow=tf_events,
                ceiling=ce_events,
                ratio=ratio(tf_events, ce_events),
                target="reported",
                passed=True,
                informational=True,
            ),
        ]
    for crowd in shape.beyond:
        rows += beyond_checks(code, measured, crowd)
    return rows


def beyond_checks(code: str, measured: list[Measurement], crowd: int) -> list[Check]:
    def at(subject: str) -> Measurement | None:
        found = [
            m
            for m in measured
            if m.subject == subject and m.extra.get("beyond") and m.extra.get("stage") == crowd
        ]
        return found[-1] if found else None

    taskflow, ceiling = at("taskflow"), at("ceiling")
    figures: tuple[tuple[str, str, Callable[[Measurement], float | None]], ...] = (
        ("p99 latency, write sent to receipt", "ms", lambda m: m.latency_ms.get("p99")),
        ("server RSS", "MiB", lambda m: m.server_rss_mb),
        ("deliveries/s", "deliveries/s", lambda m: m.deliveries_per_s),
    )
    rows = []
    for metric, unit, of in figures:
        tf = of(taskflow) if taskflow else None
        ce = of(ceiling) if ceiling else None
        rows.append(
            Check(
                scenario=code,
                metric=f"{metric} at {crowd:,} sockets",
                unit=unit,
                taskflow=tf,
                ceiling=ce,
                ratio=ratio(tf, ce),
                target="reported",
                passed=True,
                note=missed_note(taskflow) if unit == "ms" else "",
                informational=True,
            )
        )
    return rows
