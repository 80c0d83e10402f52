"""S5 and S6: sockets without events. Idle memory per socket, and a connection storm."""

from __future__ import annotations

import asyncio

from bench.fanout import connect, connect_measurement
from bench.loadgen import Fleet
from bench.results import Check, Measurement
from bench.scenarios.config import Crowd
from bench.scenarios.harness import CONNECT_CONCURRENCY, SETTLE_SECONDS, SUBJECTS, Bench, running
from bench.stats import ratio
from bench.subjects import Subject

IDLE_LIMIT_KIB = 14.0  # issue 14
STORM_LIMIT = 2.0  # TaskFlow's time until all helloed over the ceiling's (issue 14)


async def warm_up(fleet: Fleet, subject: Subject, shape: Crowd) -> None:
    """A few sockets opened and closed first, so one-off costs (imports, caches, pools) are
    not charged to the crowd."""
    await connect(fleet, subject, shape.warmup)
    await fleet.close_sockets()
    await asyncio.sleep(SETTLE_SECONDS)


async def idle_memory(bench: Bench, shape: Crowd, measured: list[Measurement]) -> None:
    for kind in SUBJECTS:
        async with running(
            kind, bench, boards=1, users=shape.users, sockets=shape.sockets + shape.warmup
        ) as (subject, fleet, probe):
            await warm_up(fleet, subject, shape)
            baseline = probe.usage().rss_bytes
            report = await connect(
                fleet,
                subject,
                shape.sockets,
                offset=shape.warmup,
                concurrency=CONNECT_CONCURRENCY,
                timeout=shape.timeout,
            )
            await asyncio.sleep(SETTLE_SECONDS * 2)
            loaded = probe.usage().rss_bytes
            m = connect_measurement(subject, report, probe)
            per_socket = (loaded - baseline) / report.helloed / 1024 if report.helloed else None
            m.extra.update(
                phase="idle",
                rss_baseline_mb=round(baseline / 2**20, 1),
                rss_loaded_mb=round(loaded / 2**20, 1),
                kib_per_socket=round(per_socket, 2) if per_socket is not None else None,
            )
            measured.append(m)


def idle_memory_checks(measured: list[Measurement]) -> list[Check]:
    def of(subject: str) -> Measurement | None:
        return next((m for m in measured if m.subject == subject), None)

    taskflow, ceiling = of("taskflow"), of("ceiling")
    tf = taskflow.extra.get("kib_per_socket") if taskflow else None
    ce = ceiling.extra.get("kib_per_socket") if ceiling else None
    return [
        Check(
            scenario="S5",
            metric="RSS per idle authenticated socket",
            unit="KiB",
            taskflow=tf,
            ceiling=ce,
            ratio=ratio(tf, ce),
            target=f"≤ {IDLE_LIMIT_KIB:g} KiB",
            passed=tf is not None and tf <= IDLE_LIMIT_KIB,
            note=f"{taskflow.helloed if taskflow else 0} TaskFlow sockets helloed",
        )
    ]


async def storm(bench: Bench, shape: Crowd, measured: list[Measurement]) -> None:
    for kind in SUBJECTS:
        async with running(
            kind, bench, boards=1, users=shape.users, sockets=shape.sockets + shape.warmup
        ) as (subject, fleet, probe):
            await warm_up(fleet, subject, shape)
            before = probe.usage()
            # All at once: no client-side limit on connects in flight.
            report = await connect(
                fleet,
                subject,
                shape.sockets,
                offset=shape.warmup,
                concurrency=shape.sockets,
                timeout=shape.timeout,
            )
            after = probe.usage()
            m = connect_measurement(subject, report, probe)
            hello_after = sorted(t - report.started_at for t in report.hello_times)
            cpu = after.cpu_seconds - before.cpu_seconds
            m.extra.update(
                phase="storm",
                hello_p50_s=round(hello_after[len(hello_after) // 2], 3) if hello_after else None,
                server_cpu_ms_per_socket=(
                    round(cpu / report.helloed * 1000, 2) if report.helloed else None
                ),
            )
            measured.append(m)


def storm_checks(measured: list[Measurement], shape: Crowd) -> list[Check]:
    taskflow = next((m for m in measured if m.subject == "taskflow"), None)
    ceiling = next((m for m in measured if m.subject == "ceiling"), None)
    tf = taskflow.all_helloed_s if taskflow else None
    ce = ceiling.all_helloed_s if ceiling else None
    failures = sum(taskflow.connect_failures.values()) if taskflow else 0
    complete = taskflow is not None and taskflow.helloed == shape.sockets and not failures
    storm_ratio = ratio(tf, ce)
    return [
        Check(
            scenario="S6",
            metric=f"seconds until all {shape.sockets:,} have their hello",
            unit="s",
            taskflow=round(tf, 2) if tf is not None else None,
            ceiling=round(ce, 2) if ce is not None else None,
            ratio=storm_ratio,
            target=f"≤ {STORM_LIMIT:g}x ceiling, none refused",
            passed=complete and storm_ratio is not None and storm_ratio <= STORM_LIMIT,
            note=f"TaskFlow: {taskflow.helloed if taskflow else 0} helloed, {failures} failed "
            f"{dict(taskflow.connect_failures) if taskflow else {}}",
        )
    ]
