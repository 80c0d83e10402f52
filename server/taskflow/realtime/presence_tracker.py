"""Each room's presence: this replica's users merged with the store's, announced coalesced."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine, Iterable
from typing import Any

from taskflow.background import sleep_unless
from taskflow.realtime import protocol
from taskflow.realtime.broker import PUBLISH_TIMEOUT, Broker, board_channel
from taskflow.realtime.presence import PresenceStore, UserRef
from taskflow.realtime.room import Room

log = logging.getLogger("taskflow.realtime")

PRESENCE_NOTICE = b'{"type":"presence.changed"}'

Spawn = Callable[[Coroutine[Any, Any, None]], None]


class PresenceTracker:
    """Sends a room the users on its board whenever they change, at most once per `delay`.

    While the store is down, the remote users it last named stay; once it is back, possibly
    empty, an absent remote user is unknown rather than gone until every replica refreshed.
    """

    def __init__(
        self, *, store: PresenceStore, broker: Broker, spawn: Spawn, delay: float, refresh: float
    ) -> None:
        self.store = store
        self.broker = broker
        self.delay = delay
        self.refresh = refresh
        self._spawn = spawn
        self._store_failing = False
        self._grace_until = 0.0

    def start_grace(self) -> None:
        # A store that failed may come back empty (a restarted Redis): until every replica has
        # refreshed its entries, an absent remote user is unknown, not gone.
        self._grace_until = time.monotonic() + 3 * self.refresh

    async def users(self, board_id: int, room: Room | None) -> list[UserRef]:
        """Everyone on the board: the room's local users and the remote ones, ordered by id."""
        local = room.local_users() if room else []
        local_ids = {user["id"] for user in local}
        try:
            users = await self.store.users(board_id)
        except Exception as exc:  # the store is down: keep the remote users it last named
            log.warning("presence store unavailable: %s", exc)
            self._store_failing = True
            remembered = list(room.remote.values()) if room else []
            return sorted(
                {u["id"]: u for u in [*remembered, *local]}.values(), key=lambda u: u["id"]
            )
        if self._store_failing:
            self._store_failing = False
            self.start_grace()
        remote = {u["id"]: u for u in users if u["id"] not in local_ids}
        if room is not None:
            if time.monotonic() < self._grace_until:
                room.remote.update(remote)
            else:
                room.remote = remote
            remote = room.remote
        merged = {**remote, **{u["id"]: u for u in local}}
        return [merged[user_id] for user_id in sorted(merged)]

    async def changed(self, room: Room) -> None:
        """The room's local users changed: store them, tell the other replicas, send the frame."""
        try:
            await self.store.set_local(room.board_id, room.local_users())
            await asyncio.wait_for(
                self.broker.publish(board_channel(room.board_id), PRESENCE_NOTICE), PUBLISH_TIMEOUT
            )
        except Exception as exc:
            log.warning("presence update for board %s failed: %s", room.board_id, exc)
        self.schedule(room)

    def schedule(self, room: Room) -> None:
        # Coalesced: a crowd connecting at once costs one presence frame per delay, not one per socket.
        if room.presence_scheduled or room.closed:
            return
        room.presence_scheduled = True
        self._spawn(self._send(room))

    async def _send(self, room: Room) -> None:
        await asyncio.sleep(self.delay)
        room.presence_scheduled = False
        if room.closed:
            return
        users = await self.users(room.board_id, room)
        if users != room.presence_sent:
            room.presence_sent = users
            room.broadcast(protocol.presence(users))

    async def close(self, rooms: Iterable[Room]) -> None:
        """Take this replica's users of these rooms out of the store, as far as it answers."""
        for room in rooms:
            with contextlib.suppress(Exception):
                await self.store.set_local(room.board_id, [])
        await self.store.close()

    async def refresh_forever(
        self, rooms: Callable[[], Iterable[Room]], stopping: asyncio.Event
    ) -> None:
        """Keep this replica's entries in the store alive, and each room's frame current."""
        while not await sleep_unless(stopping, self.refresh):
            current = tuple(rooms())
            try:
                await self.store.refresh({room.board_id: room.local_users() for room in current})
            except Exception as exc:
                log.warning("presence refresh failed: %s", exc)
                self._store_failing = True
                continue
            for room in current:
                self.schedule(room)
