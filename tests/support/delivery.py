"""Many watchers at once, and what delivery tests assert on them (each seq once, in order)."""

from __future__ import annotations

import asyncio
import itertools

from devstack.watcher import Watcher


async def open_watchers(
    count: int,
    name: str,
    url: str,
    board_id: int,
    tokens: list[str],
    *,
    resume_url: str | None = None,
    batch: int = 25,
) -> list[Watcher]:
    """`count` watchers on `url`, opened `batch` at a time, tokens taken in turn."""
    watchers: list[Watcher] = []
    for start in range(0, count, batch):
        watchers += await asyncio.gather(
            *(
                Watcher(
                    f"{name} {index}",
                    url,
                    board_id,
                    tokens[index % len(tokens)],
                    resume_url=resume_url,
                ).start()
                for index in range(start, min(count, start + batch))
            )
        )
    return watchers


def delivery_faults(watcher: Watcher, first: int, last: int) -> str | None:
    """What is wrong with the watcher's events first..last, or None if each came once, in order.

    A `resync` is the contract's other way out: the events it covers may be missing, and the
    client reloads the snapshot instead (the tests check the snapshot then covers them).
    """
    expected = first
    for _, frame in watcher.timed("event", "resync"):
        seq = int(frame["seq"])
        if frame["type"] == "resync":
            expected = max(expected, seq + 1)
        elif seq < first:
            continue
        elif seq != expected:
            problem = "duplicate or backwards" if seq < expected else "gap"
            return f"{watcher.name}: {problem}: event {seq} where {expected} was due"
        else:
            expected += 1
    if expected != last + 1:
        return f"{watcher.name}: events end at {expected - 1}, not {last}"
    return None


def assert_every_seq_once(watchers: list[Watcher], first: int, last: int) -> int:
    """Every watcher got first..last once each, in order (or a resync); returns resync count."""
    faults = [fault for watcher in watchers if (fault := delivery_faults(watcher, first, last))]
    assert not faults, f"{len(faults)} of {len(watchers)} watchers: {faults[:5]}"
    return sum(len(watcher.timed("resync")) for watcher in watchers)


def assert_exactly_once_in_order(watcher: Watcher, last_seq: int, first_seq: int = 1) -> None:
    """Events first_seq..last_seq, each once, in increasing order, and never a `resync`."""
    resyncs = [frame for _, frame in watcher.timed("resync")]
    assert not resyncs, f"{watcher.name}: resync frames {resyncs}"
    seqs = [int(event["seq"]) for event in watcher.events]
    expected = list(range(first_seq, last_seq + 1))
    if seqs != expected:
        seen = set(seqs)
        duplicates = sorted({seq for seq in seqs if seqs.count(seq) > 1})
        missing = [seq for seq in expected if seq not in seen]
        backwards = [b for a, b in itertools.pairwise(seqs) if b <= a]
        raise AssertionError(
            f"{watcher.name}: {len(seqs)} events for seq {first_seq}..{last_seq}; "
            f"missing {missing[:20]}, duplicates {duplicates[:20]}, "
            f"out of order at {backwards[:20]}"
        )


def assert_same_frames(watchers: list[Watcher]) -> None:
    """Every watcher parsed the same event frame for each seq."""
    reference = watchers[0]
    by_seq = {event["seq"]: event for event in reference.events}
    for other in watchers[1:]:
        for event in other.events:
            assert event == by_seq.get(event["seq"]), (
                f"event {event['seq']}: {other.name} got {event}, "
                f"{reference.name} got {by_seq.get(event['seq'])}"
            )


def delivery_spread(watchers: list[Watcher], seqs: range) -> float:
    """The longest time between the first and the last watcher receiving one of `seqs`."""
    spreads = [0.0]
    for seq in seqs:
        arrivals = [watcher.arrival_of(seq) for watcher in watchers]
        spreads.append(max(arrivals) - min(arrivals))
    return max(spreads)
