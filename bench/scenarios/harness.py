"""What every scenario does around its measurements: start a subject, publish, profile."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from devstack.stack import RedisTopologyName

from bench.fanout import Window, publish_window
from bench.loadgen import Fleet
from bench.probe import ServerProbe
from bench.profiling import Profile, summarize
from bench.publishers import Publisher
from bench.results import Check, Measurement
from bench.scenarios.config import BenchConfig
from bench.servers import (
    CeilingServer,
    TaskFlowCluster,
    TaskFlowReplica,
    TaskFlowSplit,
    users_for,
)
from bench.subjects import CeilingSubject, Subject, TaskFlowSubject

SETTLE_SECONDS = 1.0  # after a connect phase: presence frames and handshakes die down
CONNECT_CONCURRENCY = 200
# The ceiling first, then TaskFlow, each on a fresh server: never both at once.
SUBJECTS = ("ceiling", "taskflow")


@dataclass
class Bench:
    """A run's settings and its load workers, started once and shared by every scenario."""

    config: BenchConfig
    fleet: Fleet
    # Seconds each subject took in the current scenario (setup included), in order.
    subject_seconds: list[tuple[str, float]] = field(default_factory=list)


@asynccontextmanager
async def running(
    kind: str,
    bench: Bench,
    *,
    boards: int,
    users: int,
    sockets: int,
    shared: bool = True,
    redis: RedisTopologyName = "single",
) -> AsyncIterator[tuple[Subject, Fleet, ServerProbe]]:
    """A fresh server of `kind` with its boards and at least `users` users, enough for
    `sockets` under the per-user socket limit; the fleet's sockets are closed when it stops,
    so the next subject starts from none. `redis` is the topology of a "cluster" (the
    two-replica stack) kind."""
    started = time.monotonic()
    configuration = bench.config.configuration
    server: CeilingServer | TaskFlowReplica | TaskFlowSplit | TaskFlowCluster
    if kind == "ceiling":
        server = CeilingServer()
    elif kind == "cluster":
        server = TaskFlowCluster(configuration=configuration, redis=redis)
    elif bench.config.split_roles:
        server = TaskFlowSplit(configuration)
    else:
        server = TaskFlowReplica(bench.config.database, configuration=configuration)
    with server:
        subject: Subject = (
            CeilingSubject(server) if isinstance(server, CeilingServer) else TaskFlowSubject(server)
        )
        people = users_for(sockets, configuration, at_least=users)
        await subject.prepare(boards=boards, users=people, shared=shared)
        try:
            yield subject, bench.fleet, ServerProbe(subject.pids)
        finally:
            await bench.fleet.reset()
    bench.subject_seconds.append((subject.name, round(time.monotonic() - started, 1)))


@asynccontextmanager
async def opened(publisher: Publisher) -> AsyncIterator[Publisher]:
    await publisher.open()
    try:
        yield publisher
    finally:
        await publisher.close()


async def window(
    subject: Subject,
    fleet: Fleet,
    probe: ServerProbe,
    plan: Window,
    *,
    sockets: int,
    publisher: Publisher,
    write_cost_s: float | None = None,
    profile_to: Path | None = None,
) -> Measurement:
    """One publishing window; with `profile_to`, py-spy records the server meanwhile."""
    profiled = profile_to if subject.pids else None
    recording = (
        Profile(subject.pids[0], plan.duration, profiled) if profiled is not None else nullcontext()
    )
    with recording:
        measured = await publish_window(
            subject=subject,
            fleet=fleet,
            probe=probe,
            publisher=publisher,
            window=plan,
            sockets=sockets,
            write_cost_s=write_cost_s,
        )
    if profiled is not None:
        measured.extra["profile"] = summarize(profiled)
    return measured


def profile_path(config: BenchConfig, subject: Subject, name: str) -> Path | None:
    if not config.profile or subject.name == "ceiling":
        return None
    return config.artifacts / f"profile-{name}.txt"


def final_window(measured: list[Measurement], subject: str) -> Measurement | None:
    windows = [m for m in measured if m.subject == subject and m.extra.get("final")]
    return windows[-1] if windows else None


def missed_deliveries(
    scenario: str,
    taskflow: Measurement | None,
    ceiling: Measurement | None,
    *,
    at: str = "",
    note: str = "",
) -> Check:
    """The row every scenario shares: no event lost, late, duplicated or cut off by a close."""
    return Check(
        scenario=scenario,
        metric=f"missed deliveries (lost, late, duplicated, closed){at}",
        unit="events",
        taskflow=taskflow.missed if taskflow else None,
        ceiling=ceiling.missed if ceiling else None,
        ratio=None,
        target="0",
        passed=taskflow is not None and taskflow.missed == 0,
        note=note,
    )
