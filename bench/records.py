"""What the load workers measure, and how the reports of several workers add up."""

from __future__ import annotations

from array import array
from collections import Counter
from dataclasses import dataclass, field

EventKey = tuple[int, int]  # (board_id, seq)


@dataclass
class ConnectReport:
    """One connect phase: who got a `hello`, when, and why the others did not."""

    attempted: int = 0
    helloed: int = 0
    started_at: float = float("inf")  # monotonic, the earliest connect attempt
    hello_times: array[float] = field(default_factory=lambda: array("d"))  # monotonic, per socket
    failures: Counter[str] = field(default_factory=Counter)

    def merge(self, other: ConnectReport) -> None:
        self.attempted += other.attempted
        self.helloed += other.helloed
        self.started_at = min(self.started_at, other.started_at)
        self.hello_times.extend(other.hello_times)
        self.failures.update(other.failures)

    @property
    def all_helloed_after(self) -> float | None:
        """Seconds from the first attempt to the last hello."""
        if not self.hello_times:
            return None
        return float(max(self.hello_times)) - self.started_at


@dataclass
class WindowReport:
    """Every delivery between a window's start and its drain, over all sockets of a worker."""

    deliveries: int = 0
    frames: int = 0
    bytes_received: int = 0
    event_frames: int = 0
    event_bytes: int = 0
    # Publish (REST write or control message) to receipt, seconds, one entry per delivery.
    latencies: array[float] = field(default_factory=lambda: array("d"))
    # The server's own stamp (`ts`, taken when it built the frame) to receipt.
    server_latencies: array[float] = field(default_factory=lambda: array("d"))
    sent_at: dict[EventKey, float] = field(default_factory=dict)
    last_receipt: dict[EventKey, float] = field(default_factory=dict)
    # Gaps (a later seq arrived first) and the missing tail of sockets the server closed.
    lost: int = 0
    # Events an open socket had still not received when the drain deadline passed.
    undelivered: int = 0
    duplicated: int = 0
    resyncs: int = 0
    closed: Counter[str] = field(default_factory=Counter)
    first_receipt: float = float("inf")
    last_receipt_at: float = 0.0
    client_cpu_seconds: float = 0.0

    def merge(self, other: WindowReport) -> None:
        self.deliveries += other.deliveries
        self.frames += other.frames
        self.bytes_received += other.bytes_received
        self.event_frames += other.event_frames
        self.event_bytes += other.event_bytes
        self.latencies.extend(other.latencies)
        self.server_latencies.extend(other.server_latencies)
        self.sent_at.update(other.sent_at)
        for key, at in other.last_receipt.items():
            if at > self.last_receipt.get(key, 0.0):
                self.last_receipt[key] = at
        self.lost += other.lost
        self.undelivered += other.undelivered
        self.duplicated += other.duplicated
        self.resyncs += other.resyncs
        self.closed.update(other.closed)
        self.first_receipt = min(self.first_receipt, other.first_receipt)
        self.last_receipt_at = max(self.last_receipt_at, other.last_receipt_at)
        self.client_cpu_seconds += other.client_cpu_seconds

    def last_subscriber_latencies(self) -> list[float]:
        """Per event: publish to the moment its last subscriber received it."""
        return [
            at - self.sent_at[key] for key, at in self.last_receipt.items() if key in self.sent_at
        ]

    @property
    def mean_event_frame_bytes(self) -> float:
        return self.event_bytes / self.event_frames if self.event_frames else 0.0
