"""Steady REST traffic for fault tests, and the numbers taken from it."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field

import httpx

from tests.conftest import Account


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by nearest rank; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


@dataclass
class Write:
    what: str
    status: int  # 0: no answer (transport error)
    started: float
    seconds: float
    detail: str = ""


@dataclass
class RestWriter:
    """Creates a task, then alternately renames it and creates the next, at `rate` per second.

    Each write is one board event. Every write is kept with its status and duration, so a test
    can say what happened while a fault was on.
    """

    http: httpx.AsyncClient
    account: Account
    board_id: int
    rate: float
    label: str
    description: str = ""
    writes: list[Write] = field(default_factory=list)
    task_ids: list[int] = field(default_factory=list)

    async def run(self, stop: asyncio.Event, limit: int = 10_000) -> None:
        interval = 1.0 / self.rate
        next_at = time.monotonic()
        for index in range(limit):
            if stop.is_set():
                return
            await self.write_once(index)
            next_at += interval
            delay = next_at - time.monotonic()
            if delay > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay)
            else:
                next_at = time.monotonic()  # behind: do not burst to catch up

    async def write_once(self, index: int) -> Write:
        stamp = f"{self.label} {index} t={time.monotonic():.6f}"
        started = time.monotonic()
        body: dict[str, str] = {"title": stamp}
        if self.description:
            body["description"] = self.description
        try:
            if not self.task_ids or index % 2 == 0:
                what = "POST"
                response = await self.http.post(
                    f"/api/boards/{self.board_id}/tasks", json=body, headers=self.account.headers
                )
                if response.status_code == 201:
                    self.task_ids.append(int(response.json()["id"]))
            else:
                what = "PATCH"
                response = await self.http.patch(
                    f"/api/tasks/{self.task_ids[-1]}", json=body, headers=self.account.headers
                )
            status, detail = response.status_code, response.text[:200]
        except httpx.HTTPError as exc:
            what, status, detail = "?", 0, repr(exc)
        write = Write(what, status, started, time.monotonic() - started, detail)
        self.writes.append(write)
        return write

    def failures(self) -> list[Write]:
        return [write for write in self.writes if write.status not in (200, 201)]

    def seconds(self, start: float = 0.0, end: float = float("inf")) -> list[float]:
        """Durations of the writes started within [start, end)."""
        return [w.seconds for w in self.writes if start <= w.started < end]


def write_rate(writers: list[RestWriter], start: float, end: float) -> float:
    """Writes per second the writers started within [start, end).

    Fault tests compare the rate during a fault with the rate before it in the same run: a slow
    machine slows both alike, while a write that waited on the broken part would not keep up.
    """
    started = sum(len(writer.seconds(start, end)) for writer in writers)
    return started / (end - start)


def sent_at(title: str) -> float:
    """The monotonic time a RestWriter put in a title."""
    return float(title.rsplit("t=", 1)[1])
