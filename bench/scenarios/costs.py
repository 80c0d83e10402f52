"""COSTS: what one write and one connect cost the server, per database (bench/costs.py).

CPU per committed `PATCH` and per WebSocket `task.update`, CPU per connect up to `hello`, RSS
per idle socket; SQLite (the embedded default) and PostgreSQL, each on a fresh server. No
ceiling: the targets are absolute.
"""

from __future__ import annotations

import time

from bench import costs
from bench.results import Check, Measurement
from bench.scenarios.config import Costs
from bench.scenarios.harness import Bench
from bench.servers import Database

DATABASES: tuple[Database, ...] = ("sqlite", "postgres")
# (key in the measurement, figure, target, unit)
FIGURES = (
    ("rest_write_ms", "server CPU per committed `PATCH /api/tasks/{id}`", costs.WRITE_TARGET_MS, "ms"),
    ("ws_write_ms", "server CPU per WebSocket `task.update`", costs.WRITE_TARGET_MS, "ms"),
    ("connect_ms", "server CPU per socket, handshake to `hello`", costs.CONNECT_TARGET_MS, "ms"),
    ("idle_kib", "RSS per idle authenticated socket", costs.IDLE_TARGET_KIB, "KiB"),
)  # fmt: skip


def title(shape: Costs) -> str:
    return (
        f"Costs per operation: {shape.writes:,} writes of each kind and {shape.sockets:,} "
        f"connects, on {' and '.join(DATABASES)}"
    )


async def measure(bench: Bench, shape: Costs, measured: list[Measurement]) -> None:
    for database in DATABASES:
        started = time.monotonic()
        found = await costs.measure(
            database,
            writes=shape.writes,
            sockets=shape.sockets,
            warmup=shape.warmup,
            configuration=bench.config.configuration,
        )
        measured.append(
            Measurement(
                subject="taskflow",
                sockets=shape.sockets,
                helloed=shape.sockets,
                extra={"phase": "costs", **found.to_json()},
            )
        )
        bench.subject_seconds.append((f"taskflow {database}", round(time.monotonic() - started, 1)))


def checks(measured: list[Measurement]) -> list[Check]:
    rows = []
    for m in measured:
        database = m.extra["database"]
        for key, figure, target, unit in FIGURES:
            value = m.extra.get(key)
            rows.append(
                Check(
                    scenario="COSTS",
                    metric=f"{figure} ({database})",
                    unit=unit,
                    taskflow=round(value, 2) if value is not None else None,
                    ceiling=None,
                    ratio=None,
                    target=f"≤ {target:g} {unit}",
                    passed=value is not None and value <= target,
                )
            )
    return rows
