"""docs/perf-latency.png: latency percentiles against sockets, TaskFlow and the ceiling."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display: render straight to PNG
import matplotlib.pyplot as plt

from bench.results import Measurement, Run

STYLES = {"taskflow": ("tab:red", "-", "o"), "ceiling": ("tab:blue", "--", "s")}
PERCENTILES = (("p50", 0.35), ("p95", 0.65), ("p99", 1.0))


def fixed_rate_points(run: Run) -> dict[str, list[Measurement]]:
    """Windows of the one-board fixed-rate scenarios (S2's crowd sizes), per subject."""
    points: dict[str, list[Measurement]] = {}
    for scenario in run.scenarios:
        if scenario.scenario != "S2":
            continue
        for m in scenario.measurements:
            if m.extra.get("phase") == "window" and m.deliveries:
                points.setdefault(m.subject, []).append(m)
    return {subject: sorted(ms, key=lambda m: m.sockets) for subject, ms in points.items()}


def plot_latency(run: Run, path: Path) -> bool:
    """Draw the plot; False (and no file written) when the run has no S2 windows."""
    points = fixed_rate_points(run)
    if not points:
        return False
    figure, axes = plt.subplots(figsize=(8, 5), dpi=110)
    rate = next(iter(points.values()))[0].offered_events_per_s
    for subject, measurements in points.items():
        color, line, marker = STYLES.get(subject, ("gray", ":", "x"))
        sockets = [m.sockets for m in measurements]
        for name, alpha in PERCENTILES:
            values = [m.latency_ms.get(name) or float("nan") for m in measurements]
            axes.plot(
                sockets, values, linestyle=line, marker=marker, color=color, alpha=alpha,
                label=f"{subject} {name}",
            )  # fmt: skip
    axes.set_xlabel("sockets on one board")
    axes.set_ylabel("write sent → receipt (ms, log scale)")
    axes.set_yscale("log")
    axes.set_title(f"Fan-out latency against sockets at {rate:g} events/s ({run.started})")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=8, ncol=2)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)
    return True
