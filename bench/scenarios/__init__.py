"""COSTS, then S1-S6 (each run against the ceiling and then TaskFlow), checked against targets.

Every loop in a scenario is bounded in count and in time; every server and load worker a
scenario starts is stopped when it ends, whatever happens.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bench.results import Check, Measurement, ScenarioResult
from bench.scenarios import costs, crowds, end_to_end, fixed_rate, ramp
from bench.scenarios.config import FULL, QUICK, BenchConfig, Scales
from bench.scenarios.harness import Bench

__all__ = ["SCENARIOS", "Bench", "BenchConfig", "Scenario", "run_scenario"]


@dataclass(frozen=True)
class Scenario:
    code: str
    title: Callable[[Scales], str]
    measure: Callable[[Bench, Scales, list[Measurement]], Awaitable[None]]
    checks: Callable[[list[Measurement], Scales], list[Check]]


SCENARIOS = {
    s.code: s
    for s in (
        Scenario(
            "COSTS",
            lambda sc: costs.title(sc.costs),
            lambda bench, sc, into: costs.measure(bench, sc.costs, into),
            lambda measured, sc: costs.checks(measured),
        ),
        Scenario(
            "S1",
            lambda sc: fixed_rate.title(sc.s1),
            lambda bench, sc, into: fixed_rate.measure("S1", bench, sc.s1, into),
            lambda measured, sc: fixed_rate.checks("S1", measured, sc.s1),
        ),
        Scenario(
            "S2",
            lambda sc: fixed_rate.title(sc.s2),
            lambda bench, sc, into: fixed_rate.measure("S2", bench, sc.s2, into),
            lambda measured, sc: fixed_rate.checks("S2", measured, sc.s2),
        ),
        Scenario(
            "S3",
            lambda sc: (
                f"{sc.s3.sockets:,} sockets on one board, rate ramped until delivery falls behind"
            ),
            lambda bench, sc, into: ramp.measure(bench, sc.s3, into),
            lambda measured, sc: ramp.checks(measured),
        ),
        Scenario(
            "S4",
            lambda sc: (
                f"End to end: {sc.s4.sockets:,} sockets over {sc.s4.boards} boards, two replicas "
                f"behind Nginx on one Redis and on a Redis Cluster, {sc.s4.rate:g} PATCH/s "
                f"for {sc.s4.duration:g} s"
            ),
            lambda bench, sc, into: end_to_end.measure(bench, sc.s4, into),
            lambda measured, sc: end_to_end.checks(measured),
        ),
        Scenario(
            "S5",
            lambda sc: f"Idle memory: {sc.s5.sockets:,} idle authenticated sockets",
            lambda bench, sc, into: crowds.idle_memory(bench, sc.s5, into),
            lambda measured, sc: crowds.idle_memory_checks(measured),
        ),
        Scenario(
            "S6",
            lambda sc: f"Connection storm: {sc.s6.sockets:,} sockets at once",
            lambda bench, sc, into: crowds.storm(bench, sc.s6, into),
            lambda measured, sc: crowds.storm_checks(measured, sc.s6),
        ),
    )
}


async def run_scenario(scenario: Scenario, bench: Bench) -> ScenarioResult:
    scales = QUICK if bench.config.quick else FULL
    result = ScenarioResult(scenario.code, scenario.title(scales))
    started = time.monotonic()
    measured: list[Measurement] = []  # filled as it goes: a failure keeps what was measured
    bench.subject_seconds.clear()
    try:
        await scenario.measure(bench, scales, measured)
    except Exception as exc:  # one broken scenario must not cost the others their numbers
        result.error = f"{type(exc).__name__}: {exc}"
    result.measurements = measured
    result.checks = scenario.checks(measured, scales)
    result.seconds = round(time.monotonic() - started, 1)
    result.subject_seconds = list(bench.subject_seconds)
    return result
