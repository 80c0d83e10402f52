"""Housekeeping: the loop that purges expired idempotency answers, events past retention, and
trash past its keeping time (boards deleted that long ago are erased)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta

from taskflow.background import sleep_unless, stop_gracefully
from taskflow.config import Settings
from taskflow.database import Database
from taskflow.services import board_trash, idempotency, sessions, trash
from taskflow.services.events import Retention, prune_events

STOP_TIMEOUT = 5.0
MAX_INTERVAL = 60.0
MIN_INTERVAL = 0.05
log = logging.getLogger("taskflow.housekeeping")


@dataclass(frozen=True, slots=True)
class Purged:
    idempotency_keys: int
    events: int
    boards: int = 0
    trash_items: int = 0


class Housekeeper:
    """Purges every `interval` seconds; every replica may run one (the deletes are idempotent).

    An answer is kept at least `idempotency_ttl` and at most one interval more; an event at least
    as long as `retention` says.
    """

    def __init__(
        self, db: Database, *, idempotency_ttl: timedelta, retention: Retention, interval: float
    ) -> None:
        self._db = db
        self.idempotency_ttl = idempotency_ttl
        self.retention = retention
        self.interval = interval
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @classmethod
    def from_settings(cls, db: Database, settings: Settings) -> Housekeeper:
        ttl = timedelta(seconds=settings.idempotency_ttl_seconds)
        # A tenth of the TTL: a key outlives its TTL by at most 10%, and never by over a minute.
        interval = min(MAX_INTERVAL, max(MIN_INTERVAL, ttl.total_seconds() / 10))
        retention = Retention(settings.event_retention_count, settings.event_retention_hours)
        return cls(db, idempotency_ttl=ttl, retention=retention, interval=interval)

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="housekeeping")

    async def stop(self) -> None:
        """Let the current pass finish, then end the loop; cancel only if it takes too long."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping.set()
        await stop_gracefully(task, STOP_TIMEOUT)

    async def purge_once(self) -> Purged:
        """One pass, in one transaction; what it removed."""
        async with self._db.session() as tx:
            keys = await idempotency.forget_expired(tx, ttl=self.idempotency_ttl)
            events = await prune_events(tx, retention=self.retention)
            await sessions.forget_expired(tx)
            # Boards first: their rows go with them, the board's own trash item included.
            erased = await board_trash.erase_expired_boards(tx)
            items = await trash.forget_expired(tx)
            await tx.commit()
        return Purged(idempotency_keys=keys, events=events, boards=erased, trash_items=items)

    async def _run(self) -> None:
        while not await sleep_unless(self._stopping, self.interval):
            try:
                await self.purge_once()
            except Exception as exc:
                # Database down: the next pass purges what this one could not.
                log.warning("housekeeping failed: %s", type(exc).__name__)
