"""Soak: 2,000 live sockets over two replicas, steady edits, one replica restarted midway.

    python -m bench.soak                 # ~10 minutes (not part of CI)
    python -m bench.soak --minutes 3     # shorter
    python -m bench.soak --json out.json

Runs its own devstack Stack (PostgreSQL database of its own, Redis, Mongo wire server, two
replicas, Nginx). Half the sockets connect straight to each replica; edits go through Nginx.
Halfway, the second replica is stopped with SIGTERM (its sockets get 1012 and resume on the
first replica with `since`) and started again. At the end every socket must hold every event
of its board exactly once, in order (a `resync` is counted and reported: the contract allows
it, this run expects none), and each replica's memory after warm-up must stay flat.
Exit status 1 if anything was lost, duplicated or grew.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx
import psutil
from devstack.watcher import Frame, Watcher, close_all

from devstack import Stack, StackOptions

RESUME_DEADLINE = 60.0
# Memory after warm-up may grow this much (fraction of the warm RSS, or MiB) and still be flat.
FLAT_FRACTION, FLAT_MIB = 0.10, 20.0


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__)
    parser.add_argument("--minutes", type=float, default=10.0, help="total run time")
    parser.add_argument("--sockets", type=int, default=2000, help="live sockets in all")
    parser.add_argument("--boards", type=int, default=10, help="boards the sockets share")
    parser.add_argument("--rate", type=float, default=10.0, help="edits per second in all")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    return parser.parse_args(argv)


class Socket(Watcher):
    """One subscriber that counts instead of keeping frames (2,000 of them run for minutes);
    on a drop, resumes on `resume_url` with `since`."""

    def __init__(self, url: str, fallback: str, board: int, token: str) -> None:
        # The frame check would cost this one process more than the replicas it loads.
        super().__init__(
            f"board {board}",
            url,
            board,
            token,
            resume_url=fallback,
            resume_deadline=RESUME_DEADLINE,
            open_timeout=30.0,
            check_frames=False,
        )
        self.seqs = 0
        self.resyncs = 0
        self.problems: list[str] = []

    @property
    def first(self) -> int:
        return int(self.hellos[0]["seq"])

    def keep(self, frame: Frame, at: float) -> None:
        kind = frame["type"]
        if kind == "resync":
            self.resyncs += 1
        elif kind == "event":
            seq = int(frame["seq"])
            if seq == self.last_seq + 1:
                self.seqs += 1
            elif len(self.problems) < 5:
                what = "duplicate" if seq <= self.last_seq else "gap"
                self.problems.append(f"{what}: {seq} after {self.last_seq}")


@dataclass
class Figures:
    minutes: float
    sockets: int
    boards: int
    edits: int = 0
    failed_edits: int = 0
    events_delivered: int = 0
    lost_or_duplicated: int = 0
    resyncs: int = 0
    resumed_sockets: int = 0
    restart_seconds: float = 0.0
    failures: dict[str, int] = field(default_factory=dict)
    rss_mib: dict[str, dict[str, float]] = field(default_factory=dict)
    rss_series: list[tuple[float, dict[str, float]]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


async def register(http: httpx.AsyncClient, name: str) -> tuple[int, str, dict[str, str]]:
    password = f"soak-{uuid.uuid4().hex}"
    made = await http.post(
        "/api/users",
        json={"username": name, "email": f"{name}@example.com", "password": password},
    )
    made.raise_for_status()
    token = await http.post("/api/auth/token", data={"username": name, "password": password})
    token.raise_for_status()
    access = token.json()["access_token"]
    return int(made.json()["id"]), access, {"Authorization": f"Bearer {access}"}


async def edit_forever(
    http: httpx.AsyncClient, headers: dict[str, str], board: int, rate: float, figures: Figures
) -> None:
    """Create a task, then alternately rename it and create the next, `rate` per second."""
    task_id: int | None = None
    index = 0
    next_at = time.monotonic()
    while True:
        try:
            if task_id is None or index % 2 == 0:
                response = await http.post(
                    f"/api/boards/{board}/tasks", json={"title": f"soak {index}"}, headers=headers
                )
                if response.status_code == 201:
                    task_id = int(response.json()["id"])
            else:
                response = await http.patch(
                    f"/api/tasks/{task_id}", json={"title": f"soak {index}"}, headers=headers
                )
            outcome = str(response.status_code)
        except httpx.HTTPError as exc:
            outcome = type(exc).__name__
        figures.edits += 1
        if outcome not in ("200", "201"):
            figures.failed_edits += 1
            figures.failures[outcome] = figures.failures.get(outcome, 0) + 1
        index += 1
        next_at = max(next_at + 1.0 / rate, time.monotonic())
        await asyncio.sleep(next_at - time.monotonic())


async def sample_forever(stack: Stack, figures: Figures, started: float) -> None:
    while True:
        figures.rss_series.append((round(time.monotonic() - started), rss_mib(stack)))
        await asyncio.sleep(15)


def rss_mib(stack: Stack) -> dict[str, float]:
    sizes = {}
    for replica in stack.replicas:
        if replica.pid is not None and replica.running:
            sizes[replica.name] = round(psutil.Process(replica.pid).memory_info().rss / 2**20, 1)
    return sizes


async def soak(args: argparse.Namespace) -> Figures:
    figures = Figures(minutes=args.minutes, sockets=args.sockets, boards=args.boards)
    options = StackOptions(
        replicas=2,
        own_redis=True,
        own_mongo=True,
        log_level="warning",
        extra_env={"WS_CONNECTIONS_PER_USER": str(args.sockets)},
    )
    total = args.minutes * 60
    warmup = min(60.0, total * 0.2)
    with Stack(options) as stack:
        first, second = stack.replica_urls
        async with httpx.AsyncClient(base_url=stack.url, timeout=60, trust_env=False) as http:
            _, token, headers = await register(http, f"soak_{uuid.uuid4().hex[:8]}")
            boards = []
            for index in range(args.boards):
                made = await http.post(
                    "/api/boards", json={"name": f"soak {index}"}, headers=headers
                )
                made.raise_for_status()
                boards.append(int(made.json()["id"]))
            sockets = [
                Socket(url, fallback, boards[index % len(boards)], token)
                for index in range(args.sockets)
                for url, fallback in [(first, second) if index % 2 == 0 else (second, first)]
            ]
            print(f"soak: opening {len(sockets)} sockets on {len(boards)} boards", flush=True)
            for start in range(0, len(sockets), 100):
                await asyncio.gather(*(socket.start() for socket in sockets[start : start + 100]))
            writers = [
                asyncio.create_task(
                    edit_forever(http, headers, board, args.rate / len(boards), figures)
                )
                for board in boards
            ]
            started = time.monotonic()
            writers.append(asyncio.create_task(sample_forever(stack, figures, started)))
            try:
                await asyncio.sleep(warmup)
                figures.rss_mib["start"] = rss_mib(stack)
                print(
                    f"soak: warm after {warmup:.0f} s, RSS {figures.rss_mib['start']}", flush=True
                )
                await asyncio.sleep(max(0.0, started + total / 2 - time.monotonic()))
                figures.rss_mib["middle"] = rss_mib(stack)
                restart_at = time.monotonic()
                await asyncio.to_thread(stack.restart_replica, 1)
                figures.restart_seconds = time.monotonic() - restart_at
                print(f"soak: restarted replica-2 in {figures.restart_seconds:.1f} s", flush=True)
                # replica-1 now holds every socket: warm up again before comparing it with the end.
                await asyncio.sleep(min(warmup, max(0.0, started + total - time.monotonic())))
                figures.rss_mib["after restart"] = rss_mib(stack)
                await asyncio.sleep(max(0.0, started + total - time.monotonic()))
                figures.rss_mib["end"] = rss_mib(stack)
            finally:
                for writer in writers:
                    writer.cancel()
                await asyncio.gather(*writers, return_exceptions=True)
            heads = {}
            for board in boards:
                snapshot = await http.get(f"/api/boards/{board}", headers=headers)
                heads[board] = int(snapshot.json()["seq"])
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if all(s.last_seq >= heads[s.board_id] or s.ended for s in sockets):
                    break
                await asyncio.sleep(0.5)
            await asyncio.sleep(1.0)  # anything late or twice lands now
            await close_all(sockets)
        for socket in sockets:
            figures.events_delivered += socket.seqs
            figures.resyncs += socket.resyncs
            figures.resumed_sockets += 1 if socket.drops else 0
            expected = heads[socket.board_id] - socket.first
            if socket.problems or (socket.seqs != expected and not socket.resyncs):
                figures.lost_or_duplicated += 1
                if len(figures.problems) < 10:
                    figures.problems.append(
                        f"board {socket.board_id}: {socket.seqs} of {expected} events; "
                        f"{socket.problems} {socket.ended or ''}"
                    )
    return figures


def flat(figures: Figures) -> list[str]:
    """Replicas whose memory grew while their load stayed the same, after warm-up.

    Before the restart each replica holds half the sockets (start -> middle); after it,
    replica-1 holds them all, so it is compared from a warm point after the move to the end.
    """
    grew = []
    start, middle, moved, end = (
        figures.rss_mib.get(k, {}) for k in ("start", "middle", "after restart", "end")
    )
    checks = [
        ("replica-1", start, middle),
        ("replica-2", start, middle),
        ("replica-1", moved, end),
    ]
    for name, before, after in checks:
        if name in before and name in after:
            limit = max(before[name] * FLAT_FRACTION, FLAT_MIB)
            if after[name] - before[name] > limit:
                grew.append(f"{name}: {before[name]:.0f} -> {after[name]:.0f} MiB")
    return grew


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    figures = asyncio.run(soak(args))
    grew = flat(figures)
    report = {**asdict(figures), "memory_grew": grew}
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    # A failed edit (e.g. a 502 for a request cut by the restart) is reported, not fatal: it
    # was never acknowledged, so nothing a client was told about is missing.
    ok = not figures.lost_or_duplicated and not grew
    print("soak:", "PASS" if ok else "FAIL", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
