"""`python -m bench [S1 S2 ...] [--quick]`: run scenarios, save JSON, regenerate the report."""

from __future__ import annotations

import argparse
import asyncio
import json
import shlex
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.limits import raise_fd_limit
from bench.loadgen import Fleet
from bench.machine import machine, versions
from bench.report import DOC_PATH, PLOT_PATH, write_report
from bench.results import Run, ScenarioResult
from bench.scenarios import SCENARIOS, Bench, BenchConfig, run_scenario

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "scenarios", nargs="*", metavar="S", help=f"any of {', '.join(SCENARIOS)} (default: all)"
    )
    parser.add_argument("--quick", action="store_true", help="reduced smoke run (~1-2 minutes)")
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
        f"{check.metric}: TaskFlow {check.taskflow} vs ceiling {check.ceiling} "
        f"[{'PASS' if check.passed else 'FAIL'}]"
        for check in result.checks
    )
    error = f" ERROR {result.error}" if result.error else ""
    return f"{result.scenario}: {result.title} ({result.seconds:.0f} s): {verdicts}{error}"


async def main(args: argparse.Namespace) -> Run:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    config = BenchConfig(
        quick=args.quick,
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
                     "split_roles": args.split_roles},
    )  # fmt: skip
    async with Fleet(args.workers) as fleet:
        bench = Bench(config, fleet)
        for code in args.scenarios:
            print(f"{code} ...", flush=True)
            result = await run_scenario(SCENARIOS[code], bench)
            run.scenarios.append(result)
            print(summary_line(result), flush=True)
    return run


def cli() -> None:
    args = parse(sys.argv[1:])
    raise_fd_limit()
    started = time.monotonic()
    run = asyncio.run(main(args))
    run.environment["wall_seconds"] = round(time.monotonic() - started, 1)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"{run.started}.json"
    out.write_text(json.dumps(run.to_json(), indent=1, default=str))
    print(f"results: {out}")
    complete = not args.quick and args.scenarios == list(SCENARIOS)
    if args.docs if args.docs is not None else complete:
        write_report(run, out)
        print(f"report: {DOC_PATH} and {PLOT_PATH}")


if __name__ == "__main__":
    cli()
