"""S1-S6. Each runs the ceiling, then TaskFlow, on fresh servers, and checks the targets.

Every loop here is bounded in count and in time; every server and worker a scenario starts
is stopped when it ends, whatever happens.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench.fanout import Window, connect, connect_measurement, publish_window
from bench.loadgen import Fleet
from bench.probe import ServerProbe
from bench.profiling import Profile, summarize
from bench.publishers import Publisher
from bench.results import Check, Measurement, ScenarioResult
from bench.servers import CeilingServer, Database, TaskFlowCluster, TaskFlowReplica
from bench.stats import ratio
from bench.subjects import CeilingSubject, Subject, TaskFlowSubject

SETTLE_SECONDS = 1.0  # after a connect phase: presence frames and handshakes die down
CONNECT_CONCURRENCY = 200
SUBJECTS = ("ceiling", "taskflow")


@dataclass(frozen=True)
class BenchConfig:
    quick: bool = False
    workers: int = 3
    database: Database = "sqlite"
    profile: bool = False
    artifacts: Path = Path("bench/results")


# Scenario shapes (full run; `quick` variants below)


@dataclass(frozen=True)
class FixedRate:
    sockets: int
    rate: float
    duration: float
    drain: float
    users: int = 5
    stages: tuple[int, ...] = ()  # smaller crowds measured first, for the latency plot
    stage_duration: float = 3.0


@dataclass(frozen=True)
class Ramp:
    sockets: int
    start: float
    factor: float
    step: float
    drain: float
    max_steps: int
    refinements: int
    budget: float
    users: int = 5
    # Sustained: no loss, p99 under this, and deliveries keep up with what was offered.
    p99_limit_ms: float = 1000.0
    min_delivery_share: float = 0.8


@dataclass(frozen=True)
class EndToEnd:
    sockets: int
    boards: int
    rate: float
    duration: float
    drain: float
    users: int = 5


@dataclass(frozen=True)
class Crowd:
    sockets: int
    users: int = 5
    warmup: int = 20
    timeout: float = 30.0


@dataclass(frozen=True)
class Scales:
    s1: FixedRate
    s2: FixedRate
    s3: Ramp
    s4: EndToEnd
    s5: Crowd
    s6: Crowd


FULL = Scales(
    s1=FixedRate(sockets=1000, rate=50, duration=10, drain=15),
    s2=FixedRate(sockets=5000, rate=20, duration=10, drain=15, stages=(1000, 2500)),
    s3=Ramp(
        sockets=1000,
        start=4,
        factor=1.5,
        step=2.5,
        drain=3,
        max_steps=12,
        refinements=2,
        budget=45,
    ),
    s4=EndToEnd(sockets=1000, boards=200, rate=200, duration=10, drain=15),
    s5=Crowd(sockets=5000),
    s6=Crowd(sockets=2000),
)
QUICK = Scales(
    s1=FixedRate(sockets=200, rate=50, duration=3, drain=5, users=3),
    s2=FixedRate(
        sockets=1000, rate=20, duration=3, drain=5, users=3, stages=(250,), stage_duration=2
    ),
    s3=Ramp(
        sockets=200,
        start=10,
        factor=2,
        step=1.5,
        drain=2,
        max_steps=5,
        refinements=0,
        budget=12,
        users=3,
    ),
    s4=EndToEnd(sockets=200, boards=40, rate=50, duration=3, drain=5, users=3),
    s5=Crowd(sockets=1000, users=3),
    s6=Crowd(sockets=500, users=3),
)


# Running a subject


@asynccontextmanager
async def running(
    kind: str, config: BenchConfig, *, boards: int, users: int
) -> AsyncIterator[tuple[Subject, Fleet, ServerProbe]]:
    """A fresh server of `kind` with its boards and users, and a fleet of load workers."""
    server: CeilingServer | TaskFlowReplica | TaskFlowCluster
    if kind == "ceiling":
        server = CeilingServer()
    elif kind == "cluster":
        server = TaskFlowCluster()
    else:
        server = TaskFlowReplica(config.database)
    with server:
        subject: Subject = (
            CeilingSubject(server) if isinstance(server, CeilingServer) else TaskFlowSubject(server)
        )
        await subject.prepare(boards=boards, users=users)
        async with Fleet(config.workers) as fleet:
            yield subject, fleet, ServerProbe(subject.pids)


async def window(
    subject: Subject,
    fleet: Fleet,
    probe: ServerProbe,
    plan: Window,
    *,
    sockets: int,
    publisher: Publisher,
    profile_to: Path | None = None,
) -> Measurement:
    if profile_to is None or not subject.pids:
        return await publish_window(
            subject=subject,
            fleet=fleet,
            probe=probe,
            publisher=publisher,
            window=plan,
            sockets=sockets,
        )
    with Profile(subject.pids[0], plan.duration, profile_to):
        measured = await publish_window(
            subject=subject,
            fleet=fleet,
            probe=probe,
            publisher=publisher,
            window=plan,
            sockets=sockets,
        )
    measured.extra["profile"] = summarize(profile_to)
    return measured


@asynccontextmanager
async def opened(publisher: Publisher) -> AsyncIterator[Publisher]:
    await publisher.open()
    try:
        yield publisher
    finally:
        await publisher.close()


def profile_path(config: BenchConfig, subject: Subject, name: str) -> Path | None:
    if not config.profile or subject.name != "taskflow":
        return None
    return config.artifacts / f"profile-{name}.txt"


# S1, S2: a fixed rate to one board


async def fixed_rate(code: str, config: BenchConfig, shape: FixedRate) -> list[Measurement]:
    measured: list[Measurement] = []
    for kind in SUBJECTS:
        async with running(kind, config, boards=1, users=shape.users) as (subject, fleet, probe):
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
                async with opened(subject.publisher()) as publisher:
                    result = await window(
                        subject,
                        fleet,
                        probe,
                        plan,
                        sockets=helloed,
                        publisher=publisher,
                        profile_to=profile_path(config, subject, code) if final else None,
                    )
                result.extra.update(phase="window", stage=crowd, final=final)
                measured.append(result)
    return measured


def fixed_rate_checks(code: str, measured: list[Measurement]) -> list[Check]:
    taskflow, ceiling = final_window(measured, "taskflow"), final_window(measured, "ceiling")
    tf_p99 = taskflow.latency_ms.get("p99") if taskflow else None
    ce_p99 = ceiling.latency_ms.get("p99") if ceiling else None
    p99_ratio = ratio(tf_p99, ce_p99)
    return [
        Check(
            code,
            "missed deliveries (lost, late, duplicated, closed)",
            "events",
            taskflow.missed if taskflow else None,
            ceiling.missed if ceiling else None,
            None,
            "0",
            taskflow is not None and taskflow.missed == 0,
        ),
        Check(
            code,
            "p99 latency, write sent to receipt",
            "ms",
            tf_p99,
            ce_p99,
            p99_ratio,
            "≤ 2x ceiling",
            p99_ratio is not None and p99_ratio <= 2.0,
        ),
    ]


def final_window(measured: list[Measurement], subject: str) -> Measurement | None:
    windows = [m for m in measured if m.subject == subject and m.extra.get("final")]
    return windows[-1] if windows else None


# S3: a ramp to the highest sustained rate


def sustained(m: Measurement, shape: Ramp) -> bool:
    p99 = m.latency_ms.get("p99")
    offered = m.offered_events_per_s * m.sockets
    return (
        m.missed == 0
        and m.publish_failures == 0
        and p99 is not None
        and p99 < shape.p99_limit_ms
        and m.achieved_events_per_s >= 0.9 * m.offered_events_per_s
        and m.deliveries_per_s >= shape.min_delivery_share * offered
    )


async def ramp(config: BenchConfig, shape: Ramp) -> list[Measurement]:
    measured: list[Measurement] = []
    for kind in SUBJECTS:
        async with running(kind, config, boards=1, users=shape.users) as (subject, fleet, probe):
            report = await connect(fleet, subject, shape.sockets, concurrency=CONNECT_CONCURRENCY)
            joined = connect_measurement(subject, report, probe)
            joined.extra.update(phase="connect")
            measured.append(joined)
            await asyncio.sleep(SETTLE_SECONDS)
            async with opened(subject.publisher()) as publisher:
                measured += await ramp_steps(
                    subject, fleet, probe, publisher, shape, sockets=report.helloed
                )
    return measured


async def ramp_steps(
    subject: Subject,
    fleet: Fleet,
    probe: ServerProbe,
    publisher: Publisher,
    shape: Ramp,
    *,
    sockets: int,
) -> list[Measurement]:
    """Geometric steps up to the first failure, then bisect between the last pass and it."""
    steps: list[Measurement] = []
    deadline = time.monotonic() + shape.budget
    best: float | None = None
    failing: float | None = None

    async def step(rate: float) -> bool:
        plan = Window(rate=rate, duration=shape.step, drain_timeout=shape.drain)
        m = await window(subject, fleet, probe, plan, sockets=sockets, publisher=publisher)
        ok = sustained(m, shape)
        m.extra.update(phase="step", step=len(steps) + 1, sustained=ok)
        steps.append(m)
        return ok

    rate = shape.start
    while len(steps) < shape.max_steps and time.monotonic() < deadline:
        if await step(rate):
            best, rate = rate, rate * shape.factor
        else:
            failing = rate
            break
    for _ in range(shape.refinements):
        if best is None or failing is None or time.monotonic() >= deadline:
            break
        if any(m.closed for m in steps):
            break  # sockets are gone: a further step would measure a smaller crowd
        await catch_up(fleet, publisher, timeout=shape.drain * 3)
        rate = (best * failing) ** 0.5
        if await step(rate):
            best = rate
        else:
            failing = rate
    return steps


async def catch_up(fleet: Fleet, publisher: Publisher, *, timeout: float) -> None:
    """Let a backlog from a failed step drain before the next one (not measured)."""
    await fleet.start_window()
    await fleet.drain(await publisher.finals(), timeout=timeout)


def best_sustained(measured: list[Measurement], subject: str) -> Measurement | None:
    passing = [m for m in measured if m.subject == subject and m.extra.get("sustained")]
    return max(passing, key=lambda m: m.deliveries_per_s, default=None)


def ramp_checks(measured: list[Measurement]) -> list[Check]:
    taskflow, ceiling = best_sustained(measured, "taskflow"), best_sustained(measured, "ceiling")
    tf = taskflow.deliveries_per_s if taskflow else 0.0
    ce = ceiling.deliveries_per_s if ceiling else None
    share = ratio(tf, ce)
    return [
        Check(
            "S3",
            "sustained deliveries/s (no loss, p99 < 1 s)",
            "deliveries/s",
            tf,
            ce,
            share,
            "≥ 0.8x ceiling",
            share is not None and share >= 0.8,
            note=f"TaskFlow {taskflow.offered_events_per_s if taskflow else 0:.1f} events/s, "
            f"ceiling {ceiling.offered_events_per_s if ceiling else 0:.1f} events/s",
        )
    ]


# S4: end to end through Nginx, two replicas, REST writes to PostgreSQL


async def end_to_end(config: BenchConfig, shape: EndToEnd) -> list[Measurement]:
    measured: list[Measurement] = []
    for kind in ("ceiling", "cluster"):
        async with running(kind, config, boards=shape.boards, users=shape.users) as (
            subject,
            fleet,
            probe,
        ):
            report = await connect(fleet, subject, shape.sockets, concurrency=CONNECT_CONCURRENCY)
            joined = connect_measurement(subject, report, probe)
            joined.extra.update(phase="connect")
            measured.append(joined)
            await asyncio.sleep(SETTLE_SECONDS)
            plan = Window(rate=shape.rate, duration=shape.duration, drain_timeout=shape.drain)
            async with opened(subject.publisher()) as publisher:
                result = await window(
                    subject,
                    fleet,
                    probe,
                    plan,
                    sockets=report.helloed,
                    publisher=publisher,
                    profile_to=profile_path(config, subject, "S4"),
                )
            result.extra.update(phase="window", final=True)
            measured.append(result)
    return measured


def end_to_end_checks(measured: list[Measurement]) -> list[Check]:
    taskflow, ceiling = final_window(measured, "taskflow"), final_window(measured, "ceiling")
    tf_p99 = taskflow.last_subscriber_ms.get("p99") if taskflow else None
    ce_p99 = ceiling.last_subscriber_ms.get("p99") if ceiling else None
    return [
        Check(
            "S4",
            "p99, PATCH sent to the last subscriber's receipt",
            "ms",
            tf_p99,
            ce_p99,
            ratio(tf_p99, ce_p99),
            "< 100 ms",
            tf_p99 is not None and tf_p99 < 100,
            note="TaskFlow through Nginx to 2 replicas (PostgreSQL, Redis); ceiling direct",
        ),
        Check(
            "S4",
            "missed deliveries (lost, late, duplicated, closed)",
            "events",
            taskflow.missed if taskflow else None,
            ceiling.missed if ceiling else None,
            None,
            "0",
            taskflow is not None and taskflow.missed == 0,
        ),
    ]


# S5: idle memory per socket


async def idle_memory(config: BenchConfig, shape: Crowd) -> list[Measurement]:
    measured: list[Measurement] = []
    for kind in SUBJECTS:
        async with running(kind, config, boards=1, users=shape.users) as (subject, fleet, probe):
            # A few sockets first, so one-off costs (imports, caches, pools) are in the baseline.
            await connect(fleet, subject, shape.warmup)
            await fleet.close_sockets()
            await asyncio.sleep(SETTLE_SECONDS)
            baseline = probe.usage().rss_bytes
            report = await connect(
                fleet, subject, shape.sockets, offset=shape.warmup, concurrency=CONNECT_CONCURRENCY
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
    return measured


def idle_memory_checks(measured: list[Measurement]) -> list[Check]:
    def per_socket(subject: str) -> float | None:
        found = [m.extra.get("kib_per_socket") for m in measured if m.subject == subject]
        return found[-1] if found else None

    tf, ce = per_socket("taskflow"), per_socket("ceiling")
    helloed = next((m.helloed for m in measured if m.subject == "taskflow"), 0)
    return [
        Check(
            "S5",
            "RSS per idle authenticated socket",
            "KiB",
            tf,
            ce,
            ratio(tf, ce),
            "≤ 20 KB",
            tf is not None and tf <= 20 * 1000 / 1024,
            note=f"{helloed} sockets helloed",
        )
    ]


# S6: connection storm


async def storm(config: BenchConfig, shape: Crowd) -> list[Measurement]:
    measured: list[Measurement] = []
    for kind in SUBJECTS:
        async with running(kind, config, boards=1, users=shape.users) as (subject, fleet, probe):
            await connect(fleet, subject, shape.warmup)
            await fleet.close_sockets()
            before = probe.usage()
            # Everything at once: no client-side concurrency limit.
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
            m.extra.update(
                phase="storm",
                hello_p50_s=round(hello_after[len(hello_after) // 2], 3) if hello_after else None,
                server_cpu_ms_per_socket=(
                    round((after.cpu_seconds - before.cpu_seconds) / report.helloed * 1000, 2)
                    if report.helloed
                    else None
                ),
            )
            measured.append(m)
    return measured


def storm_checks(measured: list[Measurement], shape: Crowd) -> list[Check]:
    taskflow = next((m for m in measured if m.subject == "taskflow"), None)
    ceiling = next((m for m in measured if m.subject == "ceiling"), None)
    tf = taskflow.all_helloed_s if taskflow else None
    ce = ceiling.all_helloed_s if ceiling else None
    failures = sum(taskflow.connect_failures.values()) if taskflow else None
    complete = taskflow is not None and taskflow.helloed == shape.sockets and not failures
    return [
        Check(
            "S6",
            f"seconds until all {shape.sockets} have hello",
            "s",
            round(tf, 2) if tf is not None else None,
            round(ce, 2) if ce is not None else None,
            ratio(tf, ce),
            "≤ 10 s, none refused",
            complete and tf is not None and tf <= 10,
            note=f"TaskFlow: {taskflow.helloed if taskflow else 0} helloed, "
            f"{failures or 0} failed {dict(taskflow.connect_failures) if taskflow else {}}",
        )
    ]


# The registry


@dataclass(frozen=True)
class Scenario:
    code: str
    title: str
    run: Callable[[BenchConfig, Scales], Awaitable[list[Measurement]]]
    checks: Callable[[list[Measurement], Scales], list[Check]]
    notes: list[str] = field(default_factory=list)


SCENARIOS = {
    s.code: s
    for s in (
        Scenario(
            "S1",
            "1,000 sockets on one board, 50 events/s for 10 s",
            lambda c, sc: fixed_rate("S1", c, sc.s1),
            lambda m, sc: fixed_rate_checks("S1", m),
        ),
        Scenario(
            "S2",
            "5,000 sockets on one board, 20 events/s for 10 s",
            lambda c, sc: fixed_rate("S2", c, sc.s2),
            lambda m, sc: fixed_rate_checks("S2", m),
        ),
        Scenario(
            "S3",
            "1,000 sockets on one board, rate ramped until delivery falls behind",
            lambda c, sc: ramp(c, sc.s3),
            lambda m, sc: ramp_checks(m),
        ),
        Scenario(
            "S4",
            "End to end: 1,000 sockets over 200 boards, 2 replicas behind Nginx, 200 PATCH/s",
            lambda c, sc: end_to_end(c, sc.s4),
            lambda m, sc: end_to_end_checks(m),
        ),
        Scenario(
            "S5",
            "Idle memory: 5,000 idle authenticated sockets",
            lambda c, sc: idle_memory(c, sc.s5),
            lambda m, sc: idle_memory_checks(m),
        ),
        Scenario(
            "S6",
            "Connection storm: 2,000 sockets at once",
            lambda c, sc: storm(c, sc.s6),
            lambda m, sc: storm_checks(m, sc.s6),
        ),
    )
}


async def run_scenario(scenario: Scenario, config: BenchConfig) -> ScenarioResult:
    scales = QUICK if config.quick else FULL
    result = ScenarioResult(scenario.code, scenario.title)
    started = time.monotonic()
    measured: list[Measurement] = []
    try:
        measured = await scenario.run(config, scales)
    except Exception as exc:  # one broken scenario must not cost the others their numbers
        result.error = f"{type(exc).__name__}: {exc}"
    result.measurements = measured
    result.checks = scenario.checks(measured, scales)
    result.seconds = round(time.monotonic() - started, 1)
    return result
