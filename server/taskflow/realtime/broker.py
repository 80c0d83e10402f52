"""The broker interface: how replicas pass board events and presence notices to each other."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

MessageHandler = Callable[[str, bytes], Awaitable[None]]
ReconnectHandler = Callable[[], Awaitable[None]]


# Ended sessions, so that every replica closes their sockets.
SESSIONS_CHANNEL = "taskflow:sessions"
PUBLISH_TIMEOUT = 0.5  # seconds a publish may take before the sweep is left to deliver it


def board_channel(board_id: int) -> str:
    # The id in braces is a Redis Cluster hash tag: a board's channel and its presence key
    # hash to one slot, so each board lives on one shard.
    return f"taskflow:board:{{{board_id}}}"


def board_of_channel(channel: str) -> int:
    return int(channel.rsplit(":", 1)[1].strip("{}"))


class Broker(Protocol):
    """Delivers each message at most once to the subscribers of its channel.

    Messages published while the broker is unreachable are lost; after every interruption the
    broker calls `on_reconnect`, and the hub heals the gap from the event log.
    """

    def set_handlers(
        self, *, on_message: MessageHandler, on_reconnect: ReconnectHandler
    ) -> None: ...

    async def connect(self) -> None: ...

    async def disconnect(self) -> None: ...

    async def subscribe(self, channel: str) -> None: ...

    async def unsubscribe(self, channel: str) -> None: ...

    async def publish(self, channel: str, message: bytes) -> None: ...

    async def ping(self) -> None: ...
