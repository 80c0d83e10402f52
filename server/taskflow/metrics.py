"""Prometheus metrics of this process."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUESTS = Counter(
    "taskflow_http_requests_total", "HTTP requests answered", ["method", "status"]
)
HTTP_LATENCY = Histogram("taskflow_http_request_seconds", "HTTP request duration", ["method"])
WS_CONNECTIONS = Gauge("taskflow_ws_connections", "Open live-board sockets")
WS_ROOMS = Gauge("taskflow_ws_rooms", "Boards with at least one local subscriber")
EVENTS_PUBLISHED = Counter("taskflow_events_published_total", "Board events published after commit")
EVENTS_DELIVERED = Counter("taskflow_event_frames_queued_total", "Event frames queued to sockets")
GAPS_HEALED = Counter("taskflow_gaps_healed_total", "Events recovered from the log to fill a gap")
SLOW_CONSUMERS = Counter("taskflow_slow_consumers_closed_total", "Sockets closed with 4408")
WS_COMMANDS = Counter(
    "taskflow_ws_commands_total", "WebSocket commands handled", ["type", "result"]
)
ACTIVITY_PENDING = Gauge("taskflow_activity_outbox_pending", "Activity entries not yet in the feed")
