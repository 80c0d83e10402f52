"""CPU time and resident memory of the server processes, read with psutil."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import psutil


@dataclass(frozen=True)
class Usage:
    cpu_seconds: float
    rss_bytes: int


@dataclass
class Span:
    """CPU the processes used over one stretch of wall time (None: no process to measure)."""

    cpu_seconds: float | None = None
    seconds: float = 0.0

    @property
    def percent(self) -> float | None:
        """Percent of one core."""
        if self.cpu_seconds is None or self.seconds <= 0:
            return None
        return round(self.cpu_seconds / self.seconds * 100, 2)

    def per_event_above(self, idle: Span, events: int) -> float | None:
        """µs per event beyond what the processes spend anyway, at `idle`'s rate."""
        if self.cpu_seconds is None or idle.cpu_seconds is None or idle.seconds <= 0:
            return None
        if not events:
            return None
        background = idle.cpu_seconds / idle.seconds * self.seconds
        return round((self.cpu_seconds - background) / events * 1e6, 1)


class ServerProbe:
    """Sums user+system CPU and RSS over a fixed set of pids (one per server process)."""

    def __init__(self, pids: Sequence[int]) -> None:
        self.processes = [psutil.Process(pid) for pid in pids]

    def usage(self) -> Usage:
        cpu, rss = 0.0, 0
        for process in self.processes:
            try:
                times = process.cpu_times()
                cpu += times.user + times.system
                rss += process.memory_info().rss
            except psutil.NoSuchProcess:
                continue
        return Usage(cpu_seconds=cpu, rss_bytes=rss)

    @contextmanager
    def span(self) -> Iterator[Span]:
        """CPU over the `with` block, filled in when it ends."""
        span = Span()
        if not self.processes:
            yield span
            return
        before, started = self.usage().cpu_seconds, time.monotonic()
        yield span
        span.cpu_seconds = self.usage().cpu_seconds - before
        span.seconds = time.monotonic() - started
