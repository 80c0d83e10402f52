"""A publisher loop at a fixed rate, bounded in count, time and work in flight."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

# A call that takes longer than this is abandoned (and counted as failed), so a stuck
# server cannot make the loop run past its window.
CALL_TIMEOUT = 5.0


@dataclass
class PublishReport:
    planned: int
    sent: int = 0
    failed: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    rate: float = 0.0
    started_at: float = 0.0
    last_start: float = 0.0
    finished_at: float = 0.0
    # Time each call took to return (a REST write's response time; ~0 for a socket send).
    call_seconds: list[float] = field(default_factory=list)

    @property
    def achieved_rate(self) -> float:
        """Successful calls per second of the schedule as it really went: a call that had to
        wait for a free slot stretches it; a slow response does not."""
        span = self.last_start - self.started_at + 1 / self.rate if self.rate > 0 else 0.0
        return self.sent / span if span > 0 else 0.0


async def paced(
    publish: Callable[[int], Awaitable[None]],
    *,
    rate: float,
    duration: float,
    max_in_flight: int = 64,
) -> PublishReport:
    """Call `publish(i)` at `rate` per second for `duration` seconds.

    A call starts on its tick even if earlier ones have not returned (REST writes overlap),
    up to `max_in_flight`; beyond that the loop waits, and the achieved rate shows it.
    """
    planned = max(1, round(rate * duration))
    report = PublishReport(planned=planned, rate=rate)
    slots = asyncio.Semaphore(max_in_flight)
    running: set[asyncio.Task[None]] = set()

    async def one(index: int) -> None:
        began = time.monotonic()
        try:
            await asyncio.wait_for(publish(index), CALL_TIMEOUT)
            report.sent += 1
        except Exception as exc:
            report.failed += 1
            report.errors[type(exc).__name__ + ": " + str(exc)[:80]] += 1
        finally:
            report.call_seconds.append(time.monotonic() - began)
            slots.release()

    report.started_at = start = time.monotonic()
    for index in range(planned):
        delay = start + index / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        await slots.acquire()
        report.last_start = time.monotonic()
        task = asyncio.create_task(one(index))
        running.add(task)
        task.add_done_callback(running.discard)
    if running:
        await asyncio.wait(running, timeout=CALL_TIMEOUT + 1)
    report.finished_at = time.monotonic()
    return report
