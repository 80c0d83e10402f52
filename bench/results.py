"""Result records: what one subject did in one window, the checks against targets, the run."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Measurement:
    """One subject (TaskFlow or the ceiling), one publishing window (or one connect phase)."""

    subject: str
    sockets: int
    boards: int = 1
    helloed: int = 0
    connect_failures: dict[str, int] = field(default_factory=dict)
    all_helloed_s: float | None = None
    offered_events_per_s: float = 0.0
    window_seconds: float = 0.0  # how long the publisher published
    published: int = 0
    publish_failures: int = 0
    achieved_events_per_s: float = 0.0
    write_ms: dict[str, float | None] = field(default_factory=dict)
    deliveries: int = 0
    deliveries_per_s: float = 0.0
    delivery_span_s: float = 0.0  # first receipt to last receipt
    # Publish (REST write sent / control message sent) to receipt, every delivery.
    latency_ms: dict[str, float | None] = field(default_factory=dict)
    # Publish to the receipt by the event's last subscriber, one sample per event.
    last_subscriber_ms: dict[str, float | None] = field(default_factory=dict)
    # The server's own frame timestamp to receipt: fan-out alone, without the write.
    server_stamp_ms: dict[str, float | None] = field(default_factory=dict)
    lost: int = 0
    # Still missing on open sockets when the drain deadline passed (late, not yet lost).
    undelivered: int = 0
    duplicated: int = 0
    resyncs: int = 0
    closed: dict[str, int] = field(default_factory=dict)
    server_cpu_s: float = 0.0
    server_cpu_us_per_delivery: float | None = None
    # The write path's own cost (measured with no subscriber), and the rest per delivery.
    write_cpu_ms_per_event: float | None = None
    fanout_cpu_us_per_delivery: float | None = None
    server_rss_mb: float = 0.0
    client_cpu_us_per_delivery: float | None = None
    event_frame_bytes: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def closed_slow(self) -> int:
        return self.closed.get("4408", 0)

    @property
    def missed(self) -> int:
        """Every way a delivery can fail: lost, still undelivered, duplicated, socket closed."""
        return self.lost + self.undelivered + self.duplicated + sum(self.closed.values())


@dataclass
class Check:
    """One row of the results table: a figure of TaskFlow's against the ceiling and a target."""

    scenario: str
    metric: str
    unit: str
    taskflow: float | None
    ceiling: float | None
    ratio: float | None
    target: str
    passed: bool
    note: str = ""
    # A figure reported beside the targets, with no target of its own (no pass or fail).
    informational: bool = False


@dataclass
class ScenarioResult:
    scenario: str
    title: str
    seconds: float = 0.0
    subject_seconds: list[tuple[str, float]] = field(default_factory=list)
    measurements: list[Measurement] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None

    def of(self, subject: str, **match: Any) -> list[Measurement]:
        return [
            m
            for m in self.measurements
            if m.subject == subject and all(m.extra.get(k) == v for k, v in match.items())
        ]


@dataclass
class Run:
    started: str
    command: str
    quick: bool
    environment: dict[str, Any]
    scenarios: list[ScenarioResult] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)
