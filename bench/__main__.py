"""`python -m bench [COSTS S1 S2 ...] [--quick] [--tuned]`: run scenarios, save JSON and the
issue 14 targets table, regenerate the report.

By default TaskFlow runs as `make run` starts it (shipped settings: LOG_LEVEL=info, per-user
limits at their defaults); `--tuned` runs the earlier configuration instead (LOG_LEVEL=warning,
per-user limits lifted). Every report names the configuration it ran."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shlex
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.limits import raise_fd_limit
from bench.loadgen import Fleet
from bench.machine import machine, versions
from bench.report import DOC_PATH, PLOT_PATH, write_report, write_run_report
from bench.results import Run, ScenarioResult
from bench.scenarios import SCENARIOS, Bench, BenchConfig, run_scenario
from bench.targets import configuration_label
from bench.targets import markdown as targets_markdown
from bench.targets import write as write_targets

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "scenarios", nargs="*", metavar="S", help=f"any of {', '.join(SCENARIOS)} (default: all)"
    )
    parser.add_argument("--quick", action="store_true", help="reduced smoke run (~3 minutes)")
    parser.add_argument("--tuned", action="store_true",
                        help="TaskFlow with LOG_LEVEL=warning and per-user limits lifted, "
                        "instead of as `make run` ships it")  # fmt: skip
    parser.add_argument("--workers", type=int, default=3, help="load worker processes")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite",
                        help="database of the single-replica scenarios (S4 always PostgreSQL)")  # fmt: skip
    parser.add_argument("--split-roles", action="store_true",
                        help="one-board scenarios on two replicas (PostgreSQL, Redis): REST "
                        "writes to one, sockets on the other, whose CPU is measured")  # fmt: skip
    parser.add_argument("--profile", action="store_true",
                        help="py-spy the TaskFlow server during S1, S2 and S4 windows")  # fmt: skip
    parser.add_argument("--docs", action=argparse.BooleanOptionalAction, default=None,
                        help="regenerate docs/PERFORMANCE.md and the plot "
                        "(default: only after a full run of every scenario)")  # fmt: skip
    args = parser.parse_args(argv)
    unknown = [s for s in args.scenarios if s.upper() not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(unknown)}")
    args.scenarios = [s.upper() for s in args.scenarios] or list(SCENARIOS)
    return args


def summary_line(result: ScenarioResult) -> str:
    verdicts = ", ".join(
        f"{check.metric}: TaskFlow {check.taskflow}"
        + (f" vs ceiling {check.ceiling}" if check.ceiling is not None else "")
        + (f" (ratio {check.ratio})" if check.ceiling is None and check.ratio is not None else "")
        + (" [reported]" if check.informational else f" [{'PASS' if check.passed else 'FAIL'}]")
        for check in result.checks
    )
    error = f" ERROR {result.error}" if result.error else ""
    return f"{result.scenario}: {result.title} ({result.seconds:.0f} s): {verdicts}{error}"


async def main(args: argparse.Namespace) -> Run:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    config = BenchConfig(
        quick=args.quick,
        configuration="tuned" if args.tuned else "shipped",
        workers=args.workers,
        database=args.database,
        split_roles=args.split_roles,
        profile=args.profile,
        artifacts=RESULTS_DIR / stamp,
    )
    run = Run(
        started=stamp,
        command=" ".join(["python -m bench", *map(shlex.quote, sys.argv[1:])]),
        quick=args.quick,
        environment={"versions": versions(), "machine": machine(), "workers": args.workers,
                     "database": args.database,
                     "configuration": config.configuration,
                     "split_roles": args.split_roles},
    )  # fmt: skip
    print(f"TaskFlow configuration: {configuration_label(run)}", flush=True)
    async with Fleet(args.workers) as fleet:
        bench = Bench(config, fleet)
        for code in args.scenarios:
            print(f"{code} ...", flush=True)
            result = await run_scenario(SCENARIOS[code], bench)
            run.scenarios.append(result)
            print(summary_line(result), flush=True)
    return run


def forget_caller_settings() -> None:
    """Drop TaskFlow settings from this environment: servers inherit it, and a LOG_LEVEL or a
    limit set in the caller's shell would quietly change the "shipped" configuration."""
    from taskflow.config import Settings

    for name in Settings.model_fields:
        if os.environ.pop(name.upper(), None) is not None:
            print(f"bench: ignoring {name.upper()} from the environment", flush=True)


def cli() -> None:
    args = parse(sys.argv[1:])
    forget_caller_settings()
    raise_fd_limit()
    started = time.monotonic()
    run = asyncio.run(main(args))
    run.environment["wall_seconds"] = round(time.monotonic() - started, 1)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"{run.started}.json"
    out.write_text(json.dumps(run.to_json(), indent=1, default=str))
    print(f"results: {out} and {write_run_report(run, out)}")
    summary, summary_json = write_targets(run, RESULTS_DIR)
    print(targets_markdown(run))
    print(f"targets: {summary} and {summary_json}")
    complete = not args.quick and args.scenarios == list(SCENARIOS)
    if args.docs if args.docs is not None else complete:
        write_report(run, out)
        print(f"report: {DOC_PATH} and {PLOT_PATH}")


if __name__ == "__main__":
    cli()
