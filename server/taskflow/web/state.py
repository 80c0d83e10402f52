"""The app's long-lived resources: built once by the lifespan, read typed by routes and sockets."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.applications import Starlette

from taskflow.activity.relay import ActivityRelay
from taskflow.commit import Committer
from taskflow.config import Settings
from taskflow.database import Database
from taskflow.housekeeping import Housekeeper
from taskflow.realtime.eventlog import EventLog
from taskflow.realtime.hub import Hub
from taskflow.services.ratelimit import LoginLimiter
from taskflow.services.write_limit import WriteLimiter

Probe = Callable[[], Awaitable[object]]


@dataclass(frozen=True, slots=True)
class AppState:
    """What the lifespan owns; `app.state.resources` from its start to its end."""

    db: Database
    probes: dict[str, Probe]
    write_limiter: WriteLimiter
    login_limiter: LoginLimiter
    hub: Hub
    event_log: EventLog
    activity_relay: ActivityRelay
    committer: Committer
    housekeeper: Housekeeper


def app_state(app: Starlette) -> AppState:
    """The resources of a started app."""
    state: AppState = app.state.resources
    return state


def app_settings(app: Starlette) -> Settings:
    """The settings the app was made with (there before the lifespan starts)."""
    settings: Settings = app.state.settings
    return settings
