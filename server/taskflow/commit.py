"""What follows a committed change: live delivery and a wake-up for the activity relay."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from taskflow.services.events import Event


class EventSink(Protocol):
    async def publish(self, event: Event) -> None: ...


class Wakeable(Protocol):
    def wake(self) -> None: ...


class Committer:
    """Commits a unit of work, then announces its events; nothing is announced before the commit."""

    def __init__(self, sinks: list[EventSink], relay: Wakeable | None) -> None:
        self.sinks = sinks
        self.relay = relay

    async def __call__(self, tx: AsyncSession, *events: Event) -> None:
        await tx.commit()
        if not events:
            return
        for event in events:
            for sink in self.sinks:
                await sink.publish(event)
        if self.relay is not None:
            self.relay.wake()
