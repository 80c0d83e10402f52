"""S4: the whole topology. Nginx, two replicas, PostgreSQL, Redis; REST writes; many boards.

The figure is per event: from the PATCH being sent to the last of the board's subscribers
receiving it. The ceiling (one process, no proxy, no database) runs the same crowd and rate
for reference; the target itself is absolute.

The stack runs twice in the same run, on one Redis and then on a Redis Cluster (three
masters and their replicas, sharded pub/sub, issue 17), so what the cluster costs is a ratio
measured minutes apart on the same machine, not a comparison between runs. Before each
window the crowd sits idle for a while: the cluster broker polls its shards in turn, and
that costs the replicas CPU even when nothing happens.
"""

from __future__ import annotations

import asyncio

from devstack.stack import RedisTopologyName

from bench.fanout import Window, connect, connect_measurement
from bench.probe import ServerProbe
from bench.results import Check, Measurement
from bench.scenarios import harness
from bench.scenarios.config import EndToEnd
from bench.scenarios.harness import Bench
from bench.servers import stack_subject_name
from bench.stats import ratio

P99_LIMIT_MS = 100.0
# The cluster's last-subscriber p99 may be at most this many times one Redis's.
CLUSTER_P99_FACTOR = 2.0
# (kind, Redis topology) in the order they run; the ceiling has no Redis.
SUBJECTS: tuple[tuple[str, RedisTopologyName], ...] = (
    ("ceiling", "single"),
    ("cluster", "single"),
    ("cluster", "cluster"),
)
ON_CLUSTER = stack_subject_name("cluster")


async def measure(bench: Bench, shape: EndToEnd, measured: list[Measurement]) -> None:
    for kind, redis in SUBJECTS:
        async with harness.running(
            kind,
            bench,
            boards=shape.boards,
            users=shape.users,
            sockets=shape.sockets,
            shared=False,
            redis=redis,
        ) as (subject, fleet, probe):
            report = await connect(
                fleet, subject, shape.sockets, concurrency=harness.CONNECT_CONCURRENCY
            )
            joined = connect_measurement(subject, report, probe)
            joined.extra.update(phase="connect")
            measured.append(joined)
            await asyncio.sleep(harness.SETTLE_SECONDS)
            redis_probe = ServerProbe(subject.redis_pids)
            # Presence refreshes, the hub's sweep, the broker's reads: what a crowd costs idle.
            with probe.span() as idle, redis_probe.span() as idle_redis:
                await asyncio.sleep(shape.idle)
            joined.extra.update(
                idle_seconds=round(idle.seconds, 2),
                idle_cpu_percent=idle.percent,
                redis_idle_cpu_percent=idle_redis.percent,
            )
            plan = Window(rate=shape.rate, duration=shape.duration, drain_timeout=shape.drain)
            with redis_probe.span() as busy_redis:
                async with harness.opened(subject.publisher()) as publisher:
                    result = await harness.window(
                        subject,
                        fleet,
                        probe,
                        plan,
                        sockets=report.helloed,
                        publisher=publisher,
                        profile_to=harness.profile_path(
                            bench.config, subject, "S4" if redis == "single" else f"S4-{redis}"
                        ),
                    )
            # Redis's own background (its cron, a cluster's gossip) runs whatever is published.
            result.extra.update(
                phase="window",
                final=True,
                redis=redis,
                redis_cpu_percent=busy_redis.percent,
                redis_cpu_us_per_event=busy_redis.per_event_above(idle_redis, result.published),
            )
            measured.append(result)


def idle_of(measured: list[Measurement], subject: str, key: str) -> float | None:
    joined = [m for m in measured if m.subject == subject and m.extra.get("phase") == "connect"]
    value = joined[-1].extra.get(key) if joined else None
    return float(value) if value is not None else None


def against_one_redis(
    metric: str, unit: str, on_cluster: float | None, single: float | None, digits: int = 1
) -> Check:
    """A figure of the stack on the cluster beside the same on one Redis: reported, no target."""
    reference = "n/a" if single is None else f"{single:,.{digits}f} {unit}"
    return Check(
        scenario="S4",
        metric=f"{metric}, on a Redis Cluster",
        unit=unit,
        taskflow=on_cluster,
        ceiling=None,
        ratio=ratio(on_cluster, single),
        target=f"reported; ratio to one Redis ({reference})",
        passed=True,
        informational=True,
    )


def checks(measured: list[Measurement]) -> list[Check]:
    taskflow, ceiling, on_cluster = (
        harness.final_window(measured, "taskflow"),
        harness.final_window(measured, "ceiling"),
        harness.final_window(measured, ON_CLUSTER),
    )
    tf_p99 = taskflow.last_subscriber_ms.get("p99") if taskflow else None
    ce_p99 = ceiling.last_subscriber_ms.get("p99") if ceiling else None
    cl_p99 = on_cluster.last_subscriber_ms.get("p99") if on_cluster else None
    limit = f"{tf_p99 * CLUSTER_P99_FACTOR:,.1f} ms" if tf_p99 is not None else "n/a"

    def redis_cpu(m: Measurement | None) -> float | None:
        return m.extra.get("redis_cpu_us_per_event") if m else None

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
            note="TaskFlow through Nginx to two replicas (PostgreSQL, one Redis); the ceiling direct",
        ),
        harness.missed_deliveries("S4", taskflow, ceiling),
        Check(
            scenario="S4",
            metric="p99, PATCH sent to the last subscriber's receipt, on a Redis Cluster",
            unit="ms",
            taskflow=cl_p99,
            ceiling=None,
            ratio=ratio(cl_p99, tf_p99),
            target=f"≤ {CLUSTER_P99_FACTOR:g}x one Redis's (≤ {limit})",
            passed=(
                cl_p99 is not None and tf_p99 is not None and cl_p99 <= CLUSTER_P99_FACTOR * tf_p99
            ),
            note=(
                "the same stack, crowd and writes on three Redis masters (SSUBSCRIBE/SPUBLISH) "
                "instead of one Redis; the ratio is to one Redis in this run, not to the ceiling"
            ),
        ),
        harness.missed_deliveries("S4", on_cluster, ceiling, at=" on a Redis Cluster"),
        against_one_redis(
            "p50, PATCH sent to the last subscriber's receipt",
            "ms",
            on_cluster.last_subscriber_ms.get("p50") if on_cluster else None,
            taskflow.last_subscriber_ms.get("p50") if taskflow else None,
        ),
        against_one_redis(
            "server CPU per delivery (both replicas)",
            "µs",
            on_cluster.server_cpu_us_per_delivery if on_cluster else None,
            taskflow.server_cpu_us_per_delivery if taskflow else None,
        ),
        against_one_redis(
            "Redis CPU per event above its idle CPU (every redis-server)",
            "µs",
            redis_cpu(on_cluster),
            redis_cpu(taskflow),
        ),
        against_one_redis(
            "replicas' CPU while idle, sockets open (both replicas, % of one core)",
            "%",
            idle_of(measured, ON_CLUSTER, "idle_cpu_percent"),
            idle_of(measured, "taskflow", "idle_cpu_percent"),
            digits=2,
        ),
        against_one_redis(
            "Redis CPU while idle, sockets open (every redis-server, % of one core)",
            "%",
            idle_of(measured, ON_CLUSTER, "redis_idle_cpu_percent"),
            idle_of(measured, "taskflow", "redis_idle_cpu_percent"),
            digits=2,
        ),
    ]
