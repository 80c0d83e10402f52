"""Background tasks that end cleanly."""

from __future__ import annotations

import asyncio
import contextlib


async def stop_gracefully(task: asyncio.Task[None], grace: float) -> None:
    """Wait for a task that was asked to stop; cancel it only if it has not within `grace` seconds.

    Cancelling a task in the middle of a database call leaves the driver's worker to answer a
    loop that may be gone by then (aiosqlite); letting the current pass finish avoids that.
    """
    done, _ = await asyncio.wait({task}, timeout=grace)
    if not done:
        task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task


async def sleep_unless(event: asyncio.Event, seconds: float) -> bool:
    """Sleep `seconds`, or less if `event` is set meanwhile; True if it was."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await event.wait()
    return event.is_set()
