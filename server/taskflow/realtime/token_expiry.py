"""A live socket lives only as long as its access token: at `exp` it closes with 4401.

The client may send a fresh token in band (`{"type":"auth","token":…}`) before then; the
socket's expiry moves to the new token's, with no reconnect and no missed event.
"""

from __future__ import annotations

import asyncio
import time

from taskflow.realtime.connection import Connection
from taskflow.realtime.protocol import CLOSE_UNAUTHORIZED


class TokenExpiry:
    """Closes `connection` with 4401 when the token it was opened (or renewed) with expires."""

    __slots__ = ("_timer", "connection", "expires_at")

    def __init__(self, connection: Connection, expires_at: float) -> None:
        self.connection = connection
        self.expires_at = expires_at
        self._timer: asyncio.TimerHandle | None = None
        self.move(expires_at)

    @property
    def expired(self) -> bool:
        return time.time() >= self.expires_at

    def move(self, expires_at: float) -> None:
        """Expire at `expires_at` (seconds since the epoch) instead."""
        self.cancel()
        self.expires_at = expires_at
        delay = max(0.0, expires_at - time.time())
        self._timer = asyncio.get_running_loop().call_later(delay, self.expire)

    def expire(self) -> None:
        self.connection.close(CLOSE_UNAUTHORIZED, "token expired")

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
