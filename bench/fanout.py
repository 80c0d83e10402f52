"""The two measurements every scenario is made of: a connect phase and a publishing window."""

from __future__ import annotations

from dataclasses import dataclass

from bench.loadgen import Fleet
from bench.pacing import paced
from bench.probe import ServerProbe
from bench.publishers import Publisher
from bench.records import ConnectReport
from bench.results import Measurement
from bench.stats import percentiles_ms
from bench.subjects import Subject

# REST writes overlap up to this many (the publisher is a crowd of editors, not one).
WRITES_IN_FLIGHT = 16


@dataclass(frozen=True)
class Window:
    rate: float
    duration: float
    drain_timeout: float
    in_flight: int = WRITES_IN_FLIGHT


async def connect(
    fleet: Fleet,
    subject: Subject,
    sockets: int,
    *,
    offset: int = 0,
    concurrency: int = 100,
    timeout: float = 30.0,
) -> ConnectReport:
    targets = subject.targets(sockets, offset=offset)
    per_worker = max(1, concurrency // fleet.size)
    return await fleet.connect(targets, concurrency=per_worker, timeout=timeout)


def connect_measurement(subject: Subject, report: ConnectReport, probe: ServerProbe) -> Measurement:
    return Measurement(
        subject=subject.name,
        sockets=report.attempted,
        boards=len(subject.boards),
        helloed=report.helloed,
        connect_failures=dict(report.failures),
        all_helloed_s=report.all_helloed_after,
        server_rss_mb=probe.usage().rss_bytes / 2**20,
    )


async def write_cost(
    probe: ServerProbe, publisher: Publisher, *, rate: float = 10, duration: float = 3
) -> float | None:
    """Server CPU seconds per event with nobody subscribed: what the write path alone costs
    (for TaskFlow a committed PATCH, its event and activity entry). Run before any socket
    connects; `publish_window` subtracts it to show the fan-out's own cost per delivery."""
    # Unmeasured first calls: the first writes after a start pay for compiling and caching
    # statements, which the windows later do not.
    await paced(publisher.publish, rate=rate * 2, duration=duration / 2, max_in_flight=4)
    before = probe.usage()
    sent = await paced(publisher.publish, rate=rate, duration=duration, max_in_flight=4)
    after = probe.usage()
    return (after.cpu_seconds - before.cpu_seconds) / sent.sent if sent.sent else None


async def publish_window(
    *,
    subject: Subject,
    fleet: Fleet,
    probe: ServerProbe,
    publisher: Publisher,
    window: Window,
    sockets: int,
    write_cost_s: float | None = None,
) -> Measurement:
    """Publish at `window.rate` for `window.duration`, wait for delivery, measure both sides."""
    await fleet.start_window()
    before = probe.usage()
    sent = await paced(
        publisher.publish,
        rate=window.rate,
        duration=window.duration,
        max_in_flight=window.in_flight,
    )
    finals = await publisher.finals()
    received = await fleet.drain(finals, timeout=window.drain_timeout)
    after = probe.usage()
    deliveries = received.deliveries
    span = received.last_receipt_at - sent.started_at if deliveries else 0.0
    cpu = after.cpu_seconds - before.cpu_seconds
    fanout_cpu = cpu - sent.sent * write_cost_s if write_cost_s is not None else None
    return Measurement(
        subject=subject.name,
        sockets=sockets,
        boards=len(subject.boards),
        helloed=sockets,
        offered_events_per_s=window.rate,
        window_seconds=window.duration,
        published=sent.sent,
        publish_failures=sent.failed,
        achieved_events_per_s=round(sent.achieved_rate, 2),
        write_ms=percentiles_ms(sent.call_seconds),
        deliveries=deliveries,
        deliveries_per_s=round(deliveries / span, 1) if span > 0 else 0.0,
        delivery_span_s=(
            round(received.last_receipt_at - received.first_receipt, 3) if deliveries else 0.0
        ),
        latency_ms=percentiles_ms(received.latencies),
        last_subscriber_ms=percentiles_ms(received.last_subscriber_latencies()),
        server_stamp_ms=percentiles_ms(received.server_latencies),
        lost=received.lost,
        undelivered=received.undelivered,
        duplicated=received.duplicated,
        resyncs=received.resyncs,
        closed=dict(received.closed),
        server_cpu_s=round(cpu, 3),
        server_cpu_us_per_delivery=round(cpu / deliveries * 1e6, 2) if deliveries else None,
        write_cpu_ms_per_event=round(write_cost_s * 1e3, 3) if write_cost_s is not None else None,
        fanout_cpu_us_per_delivery=(
            round(fanout_cpu / deliveries * 1e6, 2)
            if fanout_cpu is not None and deliveries
            else None
        ),
        server_rss_mb=round(after.rss_bytes / 2**20, 1),
        client_cpu_us_per_delivery=(
            round(received.client_cpu_seconds / deliveries * 1e6, 2) if deliveries else None
        ),
        event_frame_bytes=round(received.mean_event_frame_bytes, 1),
        extra={"publish_errors": dict(sent.errors)} if sent.errors else {},
    )
