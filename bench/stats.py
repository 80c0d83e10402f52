"""Percentiles over raw samples (every delivery is kept, so no histogram error)."""

from __future__ import annotations

from collections.abc import Iterable

PERCENTILES = {"p50": 0.50, "p95": 0.95, "p99": 0.99, "max": 1.0}


def percentiles_ms(samples_seconds: Iterable[float]) -> dict[str, float | None]:
    """p50/p95/p99/max in milliseconds (nearest rank); None for an empty sample."""
    ordered = sorted(samples_seconds)
    if not ordered:
        return dict.fromkeys(PERCENTILES)
    last = len(ordered) - 1
    return {
        name: round(ordered[min(last, max(0, int(q * len(ordered) + 0.5) - 1))] * 1000, 2)
        for name, q in PERCENTILES.items()
    }


def ratio(value: float | None, reference: float | None) -> float | None:
    if value is None or reference is None or reference == 0:
        return None
    return round(value / reference, 3)
