"""Issue 14's targets: every one beside the figure a run measured for it, as markdown and JSON.

The rows are the checks of the scenarios that carry issue 14's targets, in the issue's order;
a scenario left out of the run shows as "not run". Reported figures without a target of their
own (S2's larger crowd, S1's delivered events/s) come along, marked "reported".
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.results import Check, Run

# (scenario, the heading for its targets), in the order.
AREAS = (
    ("COSTS", "write path, connect path, idle memory (per database)"),
    ("S6", "connect path: 2,000 sockets at once"),
    ("S5", "idle memory, beside the ceiling"),
    ("S1", "under write load, shipped defaults"),
    ("S2", "fan-out"),
    ("S3", "fan-out: sustained deliveries/s"),
)
TITLE = "Issue 14 targets"


def configuration_label(run: Run) -> str:
    if run.environment.get("configuration") == "tuned":
        return (
            "`--tuned`: `taskflow serve` with LOG_LEVEL=warning and the per-user socket, write "
            "and command limits lifted (not what `make run` ships)"
        )
    return (
        "shipped: `taskflow serve` as `make run` starts it (LOG_LEVEL=info, default per-user "
        "limits, activity relay on, in-process broker)"
    )


def met(check: Check) -> str:
    if check.informational:
        return "reported"
    return "met" if check.passed else "MISSED"


def value(number: float | None, digits: int = 2) -> str:
    if number is None:
        return "n/a"
    if isinstance(number, int) or float(number).is_integer():
        return f"{number:,.0f}"
    return f"{number:,.{digits}f}"


def rows(run: Run) -> list[dict[str, Any]]:
    found = {scenario.scenario: scenario for scenario in run.scenarios}
    out: list[dict[str, Any]] = []
    for code, area in AREAS:
        scenario = found.get(code)
        if scenario is None:
            out.append({"scenario": code, "area": area, "figure": "(not run)", "met": "not run"})
            continue
        for check in scenario.checks:
            out.append(
                {
                    "scenario": code,
                    "area": area,
                    "figure": check.metric,
                    "unit": check.unit,
                    "measured": check.taskflow,
                    "ceiling": check.ceiling,
                    "ratio": check.ratio,
                    "target": check.target,
                    "met": met(check),
                    "note": check.note,
                }
            )
        if scenario.error:
            out.append(
                {
                    "scenario": code,
                    "area": area,
                    "figure": f"error: {scenario.error}",
                    "met": "error",
                }
            )
    return out


def markdown(run: Run) -> str:
    lines = [
        f"## {TITLE} ({'quick smoke run' if run.quick else 'full run'}, {run.started})",
        "",
        f"TaskFlow configuration: {configuration_label(run)}. Command: `{run.command}`.",
        "",
        "| Scenario | Figure | TaskFlow | Ceiling | Ratio | Target | Met |",
        "|---|---|--:|--:|--:|---|---|",
    ]
    for row in rows(run):
        unit = f" ({row['unit']})" if row.get("unit") else ""
        lines.append(
            f"| {row['scenario']} | {row['figure']}{unit} | {value(row.get('measured'))} "
            f"| {value(row.get('ceiling'))} | {value(row.get('ratio'))}"
            f"{'x' if row.get('ratio') is not None else ''} | {row.get('target', '')} "
            f"| {row['met']} |"
        )
    counted = [row for row in rows(run) if row["met"] in ("met", "MISSED")]
    missed = sum(row["met"] == "MISSED" for row in counted)
    lines += ["", f"{len(counted) - missed} of {len(counted)} targets met."]
    return "\n".join(lines)


def write(run: Run, directory: Path) -> tuple[Path, Path]:
    """`<run>-targets.md` and `<run>-targets.json` in `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    md = directory / f"{run.started}-targets.md"
    md.write_text(markdown(run) + "\n")
    data = {
        "title": TITLE,
        "run": run.started,
        "command": run.command,
        "quick": run.quick,
        "configuration": run.environment.get("configuration"),
        "rows": rows(run),
    }
    js = directory / f"{run.started}-targets.json"
    js.write_text(json.dumps(data, indent=1, default=str))
    return md, js
