"""The outbox relay: moves committed activity entries from `activity_outbox` into the feed."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, tuple_

from taskflow.activity.feed import ActivityEntry, ActivityFeed, entry_from_document
from taskflow.background import stop_gracefully
from taskflow.database import Database
from taskflow.errors import Unavailable
from taskflow.models import ActivityOutbox

# A burst of commits becomes one pass: at most four passes a second under steady writes, so the
# relay's transactions hardly ever stand in the queue for the database before a write.
COALESCE_SECONDS = 0.25
STOP_TIMEOUT = 5.0
log = logging.getLogger("taskflow.activity")


class ActivityRelay:
    """Delivers every committed outbox entry to the feed at least once, in outbox id order.

    The feed's `(board_uid, seq)` key turns "at least once" into exactly one entry, so several
    replicas may relay the same outbox concurrently, and a crash between the feed write and the
    outbox delete only causes a harmless rewrite. No transaction stays open while the feed is
    written: a slow or absent MongoDB never holds a lock that a board write would wait for.
    """

    def __init__(
        self,
        db: Database,
        feed: ActivityFeed,
        *,
        poll_interval: float = 1.0,
        batch_size: int = 200,
        min_backoff: float = 0.2,
        max_backoff: float = 5.0,
    ) -> None:
        self.feed = feed
        self._db = db
        self._poll_interval = poll_interval
        self._batch_size = batch_size
        self._min_backoff = min_backoff
        self._max_backoff = max_backoff
        self._wakeup = asyncio.Event()
        # One drain at a time in this process: the loop and flush() would only duplicate work.
        self._draining = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="activity-relay")

    async def stop(self) -> None:
        """Let the current pass finish, then end the loop; cancel only if it takes too long."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping.set()
        self._wakeup.set()
        await stop_gracefully(task, STOP_TIMEOUT)

    def wake(self) -> None:
        """Relay soon: something was just committed."""
        self._wakeup.set()

    # The deadline belongs to the contract: running out of time is reported like a feed error.
    async def flush(self, timeout: float) -> None:  # noqa: ASYNC109
        """Relay everything committed so far; Unavailable if the feed cannot take it in time."""
        try:
            async with asyncio.timeout(timeout):
                mark = await self._high_water_mark()
                if mark is None:
                    return
                async with self._draining:
                    await self._drain(upto_id=mark)
        except Exception as exc:
            log.warning("activity flush failed: %s", type(exc).__name__)
            raise Unavailable("activity feed unavailable") from exc

    async def relay_once(self) -> int:
        """Relay what is pending now; the number of entries moved (for tests and tools)."""
        async with self._draining:
            return await self._drain(upto_id=None)

    async def _run(self) -> None:
        backoff = self._min_backoff
        while not self._stopping.is_set():
            self._wakeup.clear()
            try:
                await self.relay_once()
            except Exception as exc:
                # Feed or database down: retry later, without spinning on every wake-up.
                log.warning("activity relay failed, retrying in %.1fs: %s", backoff, exc)
                await self._pause(backoff, wake_early=False)
                backoff = min(backoff * 2, self._max_backoff)
                continue
            backoff = self._min_backoff
            # The periodic poll picks up entries committed by other replicas or left by a crash.
            if await self._pause(self._poll_interval, wake_early=True):
                # A burst of commits becomes one pass, not one pass per event.
                await asyncio.sleep(COALESCE_SECONDS)

    async def _pause(self, seconds: float, *, wake_early: bool) -> bool:
        """Wait `seconds`, less if stopping (or woken, with wake_early); True if woken."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                while True:
                    await self._wakeup.wait()
                    if wake_early or self._stopping.is_set():
                        return not self._stopping.is_set()
                    self._wakeup.clear()
        return False

    async def _drain(self, *, upto_id: int | None) -> int:
        moved = 0
        while True:
            rows = await self._read_batch(upto_id)
            if not rows:
                return moved
            await self.feed.write([_entry(row.entry) for row in rows])
            await self._delete([(row.board_id, row.seq) for row in rows])
            moved += len(rows)
            if len(rows) < self._batch_size:
                return moved

    async def _read_batch(self, upto_id: int | None) -> list[ActivityOutbox]:
        query = select(ActivityOutbox).order_by(ActivityOutbox.id).limit(self._batch_size)
        if upto_id is not None:
            query = query.where(ActivityOutbox.id <= upto_id)
        async with self._db.session() as tx:
            return list((await tx.execute(query)).scalars())

    async def _delete(self, keys: list[tuple[int, int]]) -> None:
        # By (board_id, seq), not id: SQLite may hand a deleted row's id to a newer entry.
        async with self._db.session() as tx:
            await tx.execute(
                delete(ActivityOutbox).where(
                    tuple_(ActivityOutbox.board_id, ActivityOutbox.seq).in_(keys)
                )
            )
            await tx.commit()

    async def _high_water_mark(self) -> int | None:
        async with self._db.session() as tx:
            result = await tx.execute(select(func.max(ActivityOutbox.id)))
            return result.scalar_one_or_none()


def _entry(stored: dict[str, Any]) -> ActivityEntry:
    return entry_from_document(stored, ts=datetime.fromisoformat(stored["ts"]))
