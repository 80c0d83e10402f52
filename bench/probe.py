"""CPU time and resident memory of the server processes, read with psutil."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import psutil


@dataclass(frozen=True)
class Usage:
    cpu_seconds: float
    rss_bytes: int


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
