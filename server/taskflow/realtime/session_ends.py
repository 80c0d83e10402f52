"""Ended sessions: their sockets close (4401) here, and on every replica told by the broker."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable

import orjson

from taskflow.realtime import protocol
from taskflow.realtime.broker import PUBLISH_TIMEOUT, SESSIONS_CHANNEL, Broker
from taskflow.realtime.connection import Connection

log = logging.getLogger("taskflow.realtime")

ENDED_SESSIONS_KEPT = 60.0  # seconds; far longer than a socket takes from its checks to the room


class EndedSessions:
    """Sessions ended lately (id: when), so a socket admitted just before its session ended,
    and joining just after the notice, is closed all the same."""

    def __init__(self, broker: Broker) -> None:
        self.broker = broker
        self._ended: dict[int, float] = {}

    def __contains__(self, session_id: int | None) -> bool:
        return session_id in self._ended

    async def end(
        self, user_id: int, session_ids: list[int], connections: Iterable[Connection]
    ) -> None:
        """Close (4401) the user's sockets of these sessions here, and on every other replica."""
        message = orjson.dumps({"user_id": user_id, "session_ids": session_ids})
        self.close(message, connections)
        try:
            await asyncio.wait_for(self.broker.publish(SESSIONS_CHANNEL, message), PUBLISH_TIMEOUT)
        except Exception as exc:  # those sockets still close when their token expires
            log.warning("publish of ended sessions failed: %s", exc)

    def close(self, message: bytes, connections: Iterable[Connection]) -> None:
        """Remember the notice's sessions and close the user's sockets of them."""
        try:
            parsed = orjson.loads(message)
            user_id, ended = int(parsed["user_id"]), {int(sid) for sid in parsed["session_ids"]}
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            log.warning("ignoring a malformed notice of ended sessions")
            return
        now = time.monotonic()
        for session_id, at in tuple(self._ended.items()):
            if now - at > ENDED_SESSIONS_KEPT:
                del self._ended[session_id]
        self._ended.update(dict.fromkeys(ended, now))
        for connection in tuple(connections):
            if connection.user_id == user_id and connection.session_id in ended:
                connection.close(protocol.CLOSE_UNAUTHORIZED, "session ended")
