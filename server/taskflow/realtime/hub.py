"""The hub: this process's rooms, one per board with local subscribers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

import orjson

from taskflow.background import sleep_unless, stop_gracefully
from taskflow.errors import NotFound
from taskflow.metrics import EVENTS_PUBLISHED, GAPS_HEALED, WS_CONNECTIONS, WS_ROOMS
from taskflow.realtime import protocol
from taskflow.realtime.broker import (
    PUBLISH_TIMEOUT,
    SESSIONS_CHANNEL,
    Broker,
    board_channel,
    board_of_channel,
)
from taskflow.realtime.connection import Connection
from taskflow.realtime.eventlog import EventLog
from taskflow.realtime.presence import PresenceStore, UserRef
from taskflow.realtime.presence_tracker import PRESENCE_NOTICE, PresenceTracker
from taskflow.realtime.room import Room
from taskflow.realtime.session_ends import EndedSessions
from taskflow.services.events import Event, parse_event

log = logging.getLogger("taskflow.realtime")


class Hub:
    """Delivers each board's events to local subscribers in strictly increasing seq, with no gap.

    Events arrive from local commits and from the broker, in any order and possibly twice; the
    hub drops what it already delivered and fills any gap from the event log before going on.
    A periodic sweep compares each room with the database, so an event whose broker message was
    lost is delivered within `sweep_interval` even when nothing follows it.
    """

    def __init__(
        self,
        *,
        broker: Broker,
        event_log: EventLog,
        presence: PresenceStore,
        queue_limit: int,
        sweep_interval: float = 1.0,
        presence_delay: float = 0.05,
        presence_refresh: float = 2.5,
    ) -> None:
        self.broker = broker
        self.event_log = event_log
        self.queue_limit = queue_limit
        self.sweep_interval = sweep_interval
        self.presence = PresenceTracker(
            store=presence,
            broker=broker,
            spawn=self._spawn,
            delay=presence_delay,
            refresh=presence_refresh,
        )
        self.rooms: dict[int, Room] = {}
        self.sockets_per_user: dict[int, int] = {}
        self._ended_sessions = EndedSessions(broker)
        self._room_of: dict[Connection, Room] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopping = asyncio.Event()
        broker.set_handlers(on_message=self._on_broker_message, on_reconnect=self._on_reconnect)

    # Lifecycle

    async def start(self) -> None:
        await self.broker.connect()
        await self.broker.subscribe(SESSIONS_CHANNEL)
        self._spawn(self._sweep_forever())
        if self.presence.store.needs_refresh:
            self._spawn(self.presence.refresh_forever(self.rooms.values, self._stopping))

    async def stop(self) -> None:
        self._stopping.set()
        await asyncio.gather(*(stop_gracefully(task, 2.0) for task in tuple(self._tasks)))
        await self.presence.close(tuple(self.rooms.values()))
        await self.broker.disconnect()

    # Subscribers

    def sockets_of(self, user_id: int) -> int:
        return self.sockets_per_user.get(user_id, 0)

    async def join(self, connection: Connection) -> int:
        """Add the socket to its board's room; returns the seq delivered so far (its `hello` seq)."""
        board_id = connection.board_id
        while True:
            room = self.rooms.get(board_id)
            if room is None:
                room = self.rooms[board_id] = Room(board_id)
                WS_ROOMS.set(len(self.rooms))
            async with room.lock:
                if room.closed:
                    continue
                if not room.ready:
                    await self._open_room(room)
                room.connections[connection] = None
                self._room_of[connection] = room
                seq = room.seq
                arrived = room.add_user(connection.user)
                break
        if connection.session_id in self._ended_sessions:
            connection.close(protocol.CLOSE_UNAUTHORIZED, "session ended")
        self.sockets_per_user[connection.user_id] = self.sockets_of(connection.user_id) + 1
        WS_CONNECTIONS.inc()
        if arrived:
            await self.presence.changed(room)
        return seq

    async def leave(self, connection: Connection) -> None:
        room = self._room_of.pop(connection, None)
        if room is None:
            return
        del room.connections[connection]
        remaining = self.sockets_of(connection.user_id) - 1
        if remaining > 0:
            self.sockets_per_user[connection.user_id] = remaining
        else:
            self.sockets_per_user.pop(connection.user_id, None)
        WS_CONNECTIONS.dec()
        departed = room.remove_user(connection.user_id)
        if room.closed:
            return
        if not room.connections:
            self._retire(room)
        elif departed:
            await self.presence.changed(room)

    async def presence_of(self, board_id: int) -> list[UserRef]:
        return await self.presence.users(board_id, self.rooms.get(board_id))

    # Events

    async def publish(self, event: Event) -> None:
        """Deliver a just-committed event here, and announce it to the other replicas."""
        EVENTS_PUBLISHED.inc()
        await self._accept(event)
        try:
            await asyncio.wait_for(
                self.broker.publish(board_channel(event.board_id), event.frame.encode()),
                PUBLISH_TIMEOUT,
            )
        except Exception as exc:  # the sweep of every replica delivers it from the log instead
            log.warning("publish of board %s seq %s failed: %s", event.board_id, event.seq, exc)

    # Sessions

    async def end_sessions(self, *, user_id: int, session_ids: list[int]) -> None:
        """Close (4401) the user's sockets of these sessions here, and on every other replica."""
        await self._ended_sessions.end(user_id, session_ids, self._room_of)

    async def _on_broker_message(self, channel: str, message: bytes) -> None:
        if channel == SESSIONS_CHANNEL:
            self._ended_sessions.close(message, self._room_of)
            return
        board_id = board_of_channel(channel)
        room = self.rooms.get(board_id)
        if room is None:
            return
        if message == PRESENCE_NOTICE:
            self.presence.schedule(room)
            return
        try:
            event = parse_event(board_id, message.decode())
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            log.warning("ignoring a malformed broker message on %s", channel)
            return
        await self._accept(event)

    async def _on_reconnect(self) -> None:
        log.info("broker reconnected; catching up %d rooms from the event log", len(self.rooms))
        self.presence.start_grace()
        await self.sweep()
        for room in tuple(self.rooms.values()):
            await self.presence.changed(room)

    async def _accept(self, event: Event) -> None:
        room = self.rooms.get(event.board_id)
        seq = event.seq
        if room is None or seq <= room.seq:
            return
        if room.ready and seq == room.seq + 1 and not room.lock.locked():
            self._deliver(room, event)
            return
        async with room.lock:
            if room.closed or seq <= room.seq:
                return
            if seq > room.seq + 1:
                await self._fill(room, seq - 1)
            if seq == room.seq + 1 and not room.closed:
                self._deliver(room, event)

    def _deliver(self, room: Room, event: Event) -> None:
        room.deliver(event)
        if event.name == "board.deleted":
            self._board_gone(room)

    async def _fill(self, room: Room, upto: int) -> None:
        """Deliver room.seq+1..upto from the log; if they are gone, tell subscribers to resync."""
        try:
            frames = await self.event_log.frames(room.board_id, after=room.seq, upto=upto)
        except Exception as exc:
            # Not a reason to resync: the gap stays open and the next sweep fills it.
            log.warning("board %s: cannot read the event log to fill a gap: %s", room.board_id, exc)
            return
        expected = room.seq + 1
        if [seq for seq, _ in frames] == list(range(expected, upto + 1)):
            for seq, frame in frames:
                self._deliver(room, parse_event(room.board_id, frame, seq))
            GAPS_HEALED.inc(len(frames))
            return
        log.warning(
            "board %s: events %d..%d are not in the log; resync", room.board_id, expected, upto
        )
        room.seq = upto
        room.broadcast(protocol.resync(upto))

    async def sweep(self) -> None:
        """Compare every room with the database and deliver what it missed."""
        rooms = [room for room in tuple(self.rooms.values()) if room.ready]
        if not rooms:
            return
        heads = await self.event_log.heads([room.board_id for room in rooms])
        for room in rooms:
            head = heads.get(room.board_id)
            if room.closed or (head is not None and head <= room.seq):
                continue
            async with room.lock:
                if room.closed:
                    continue
                if head is None:
                    self._board_gone(room)
                elif head > room.seq:
                    await self._fill(room, head)

    async def _sweep_forever(self) -> None:
        while not await sleep_unless(self._stopping, self.sweep_interval):
            try:
                await self.sweep()
            except Exception as exc:
                log.warning("sweep failed: %s", exc)

    # Rooms

    async def _open_room(self, room: Room) -> None:
        try:
            await self.broker.subscribe(board_channel(room.board_id))
        except Exception as exc:
            # The broker resubscribes when it is back; the sweep covers the gap.
            log.warning("subscribe to board %s failed: %s", room.board_id, exc)
        head: int | None = None
        try:
            head = await self.event_log.head(room.board_id)
        finally:
            if head is None:  # no such board, or the read failed: the room never opens
                self._retire(room)
        if head is None:
            raise NotFound("board not found")
        room.seq = head
        room.ready = True

    def _board_gone(self, room: Room) -> None:
        room.evict(lambda _: True, protocol.CLOSE_BOARD_DELETED, "board deleted")
        self._retire(room)

    def _retire(self, room: Room) -> None:
        """Take the room out of service now; a later join for its board opens a fresh one."""
        room.closed = True
        if self.rooms.get(room.board_id) is room:
            del self.rooms[room.board_id]
        WS_ROOMS.set(len(self.rooms))
        self._spawn(self._release(room.board_id))

    async def _release(self, board_id: int) -> None:
        if board_id in self.rooms:  # reopened meanwhile: its subscription must stay
            return
        try:
            await self.broker.unsubscribe(board_channel(board_id))
            if board_id not in self.rooms:
                await self.presence.store.set_local(board_id, [])
        except Exception as exc:
            log.warning("leaving board %s on the broker failed: %s", board_id, exc)

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
