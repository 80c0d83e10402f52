"""The in-process broker (`memory://`): one process, nothing to lose between replicas."""

from __future__ import annotations

from taskflow.realtime.broker import MessageHandler, ReconnectHandler


async def _ignore_message(channel: str, message: bytes) -> None:
    return None


async def _ignore_reconnect() -> None:
    return None


class MemoryBroker:
    """Delivers every message to this process's subscribers of the channel, in publish order."""

    def __init__(self) -> None:
        self.channels: set[str] = set()
        self.on_message: MessageHandler = _ignore_message
        self.on_reconnect: ReconnectHandler = _ignore_reconnect

    def set_handlers(self, *, on_message: MessageHandler, on_reconnect: ReconnectHandler) -> None:
        self.on_message, self.on_reconnect = on_message, on_reconnect

    async def connect(self) -> None:
        return None

    async def disconnect(self) -> None:
        self.channels.clear()

    async def subscribe(self, channel: str) -> None:
        self.channels.add(channel)

    async def unsubscribe(self, channel: str) -> None:
        self.channels.discard(channel)

    async def publish(self, channel: str, message: bytes) -> None:
        if channel in self.channels:
            await self.on_message(channel, message)

    async def ping(self) -> None:
        return None
