"""The hub: this process's rooms, one per board with local subscribers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

import orjson

from taskflow.errors import NotFound
from taskflow.metrics import (
    EVENTS_DELIVERED,
    EVENTS_PUBLISHED,
    GAPS_HEALED,
    WS_CONNECTIONS,
    WS_ROOMS,
)
from taskflow.realtime import protocol
from taskflow.realtime.broker import SESSIONS_CHANNEL, Broker, board_channel, board_of_channel
from taskflow.realtime.connection import Connection
from taskflow.realtime.eventlog import EventLog
from taskflow.realtime.fast_path import WriteNow, encode_text_frame
from taskflow.realtime.presence import PresenceStore, UserRef
from taskflow.services.events import Event
from taskflow.tasks import sleep_unless, stop_gracefully

log = logging.getLogger("taskflow.realtime")

PRESENCE_NOTICE = b'{"type":"presence.changed"}'
PUBLISH_TIMEOUT = 0.5
ENDED_SESSIONS_KEPT = 60.0  # seconds; far longer than a socket takes from its checks to the room


class Room:
    """The local subscribers of one board and the last seq delivered to them."""

    __slots__ = (
        "board_id",
        "closed",
        "connections",
        "lock",
        "presence_scheduled",
        "presence_sent",
        "ready",
        "remote",
        "seq",
        "users",
    )

    def __init__(self, board_id: int) -> None:
        self.board_id = board_id
        self.seq = 0
        self.ready = False
        self.closed = False
        self.lock = asyncio.Lock()
        self.connections: dict[Connection, None] = {}
        self.users: dict[int, tuple[UserRef, int]] = {}
        self.presence_sent: list[UserRef] | None = None
        self.remote: dict[int, UserRef] = {}
        self.presence_scheduled = False

    def add_user(self, user: UserRef) -> bool:
        """Count one more socket of `user`; True if the user just arrived."""
        ref, count = self.users.get(int(user["id"]), (user, 0))
        self.users[int(user["id"])] = (ref, count + 1)
        return count == 0

    def remove_user(self, user_id: int) -> bool:
        """Count one socket fewer; True if it was the user's last."""
        ref, count = self.users[user_id]
        if count <= 1:
            del self.users[user_id]
            return True
        self.users[user_id] = (ref, count - 1)
        return False

    def local_users(self) -> list[UserRef]:
        return sorted((ref for ref, _ in self.users.values()), key=lambda user: int(user["id"]))

    def broadcast(self, frame: str) -> None:
        wire = encode_text_frame(frame)  # once per event, for every socket that can take it now
        # A copy, because a push may close a socket and the reader then leaves the room.
        for connection in tuple(self.connections):
            connection.push(frame, wire)


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
        self.presence = presence
        self.queue_limit = queue_limit
        self.sweep_interval = sweep_interval
        self.presence_delay = presence_delay
        self.presence_refresh = presence_refresh
        self.rooms: dict[int, Room] = {}
        self.sockets_per_user: dict[int, int] = {}
        # Sessions ended lately (id: when), so a socket admitted just before its session ended,
        # and joining just after the notice, is closed all the same.
        self._ended_sessions: dict[int, float] = {}
        self._room_of: dict[Connection, Room] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopping = asyncio.Event()
        self._store_failing = False
        self._presence_grace_until = 0.0
        broker.set_handlers(on_message=self._on_broker_message, on_reconnect=self._on_reconnect)

    # Lifecycle

    async def start(self) -> None:
        await self.broker.connect()
        await self.broker.subscribe(SESSIONS_CHANNEL)
        self._spawn(self._sweep_forever())
        if self.presence.needs_refresh:
            self._spawn(self._refresh_presence_forever())

    async def stop(self) -> None:
        self._stopping.set()
        await asyncio.gather(*(stop_gracefully(task, 2.0) for task in tuple(self._tasks)))
        for room in tuple(self.rooms.values()):
            with contextlib.suppress(Exception):
                await self.presence.set_local(room.board_id, [])
        await self.presence.close()
        await self.broker.disconnect()

    # Subscribers

    def connection(
        self,
        *,
        send: Any,
        board_id: int,
        user: UserRef,
        write_now: WriteNow | None = None,
        session_id: int | None = None,
    ) -> Connection:
        return Connection(
            send=send,
            board_id=board_id,
            user=user,
            limit=self.queue_limit,
            write_now=write_now,
            session_id=session_id,
        )

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
            await self._presence_changed(room)
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
            await self._presence_changed(room)

    async def presence_of(self, board_id: int) -> list[UserRef]:
        room = self.rooms.get(board_id)
        return await self._presence_users(board_id, room.local_users() if room else [])

    # Events

    async def publish(self, event: Event) -> None:
        """Deliver a just-committed event here, and announce it to the other replicas."""
        EVENTS_PUBLISHED.inc()
        await self._accept(event.board_id, event.seq, event.frame, event.name, event.data)
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
        notice = orjson.dumps({"user_id": user_id, "session_ids": session_ids})
        self._close_sessions(notice)
        try:
            await asyncio.wait_for(self.broker.publish(SESSIONS_CHANNEL, notice), PUBLISH_TIMEOUT)
        except Exception as exc:  # those sockets still close when their token expires
            log.warning("publish of ended sessions failed: %s", exc)

    def _close_sessions(self, notice: bytes) -> None:
        try:
            parsed = orjson.loads(notice)
            user_id, ended = int(parsed["user_id"]), {int(sid) for sid in parsed["session_ids"]}
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            log.warning("ignoring a malformed notice of ended sessions")
            return
        now = time.monotonic()
        for session_id, at in tuple(self._ended_sessions.items()):
            if now - at > ENDED_SESSIONS_KEPT:
                del self._ended_sessions[session_id]
        self._ended_sessions.update(dict.fromkeys(ended, now))
        for connection in tuple(self._room_of):
            if connection.user_id == user_id and connection.session_id in ended:
                connection.close(protocol.CLOSE_UNAUTHORIZED, "session ended")

    async def _on_broker_message(self, channel: str, message: bytes) -> None:
        if channel == SESSIONS_CHANNEL:
            self._close_sessions(message)
            return
        board_id = board_of_channel(channel)
        room = self.rooms.get(board_id)
        if room is None:
            return
        if message == PRESENCE_NOTICE:
            self._schedule_presence(room)
            return
        try:
            frame = orjson.loads(message)
            seq, name, data = int(frame["seq"]), str(frame["name"]), frame.get("data") or {}
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            log.warning("ignoring a malformed broker message on %s", channel)
            return
        await self._accept(board_id, seq, message.decode(), name, data)

    async def _on_reconnect(self) -> None:
        log.info("broker reconnected; catching up %d rooms from the event log", len(self.rooms))
        self._start_presence_grace()
        await self.sweep()
        for room in tuple(self.rooms.values()):
            await self._presence_changed(room)

    async def _accept(
        self, board_id: int, seq: int, frame: str, name: str, data: dict[str, Any]
    ) -> None:
        room = self.rooms.get(board_id)
        if room is None or seq <= room.seq:
            return
        if room.ready and seq == room.seq + 1 and not room.lock.locked():
            self._deliver(room, seq, frame, name, data)
            return
        async with room.lock:
            if room.closed or seq <= room.seq:
                return
            if seq > room.seq + 1:
                await self._fill(room, seq - 1)
            if seq == room.seq + 1 and not room.closed:
                self._deliver(room, seq, frame, name, data)

    def _deliver(self, room: Room, seq: int, frame: str, name: str, data: dict[str, Any]) -> None:
        room.seq = seq
        room.broadcast(frame)
        EVENTS_DELIVERED.inc(len(room.connections))
        if name == "board.deleted":
            self._board_gone(room)
        elif name == "member.removed":
            removed = data.get("user_id")
            self._evict(room, lambda c: c.user_id == removed, protocol.CLOSE_NOT_FOUND, "removed")

    def _evict(self, room: Room, which: Any, code: int, reason: str) -> None:
        for connection in tuple(room.connections):
            if which(connection):
                connection.close(code, reason)

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
                event = orjson.loads(frame)
                self._deliver(room, seq, frame, event["name"], event.get("data") or {})
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
        except (
            Exception
        ) as exc:  # the broker resubscribes when it is back; the sweep covers the gap
            log.warning("subscribe to board %s failed: %s", room.board_id, exc)
        try:
            head = await self.event_log.head(room.board_id)
        except BaseException:
            self._retire(room)
            raise
        if head is None:
            self._retire(room)
            raise NotFound("board not found")
        room.seq = head
        room.ready = True

    def _board_gone(self, room: Room) -> None:
        self._evict(room, lambda _: True, protocol.CLOSE_BOARD_DELETED, "board deleted")
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
                await self.presence.set_local(board_id, [])
        except Exception as exc:
            log.warning("leaving board %s on the broker failed: %s", board_id, exc)

    # Presence

    def _start_presence_grace(self) -> None:
        # A store that failed may come back empty (a restarted Redis): until every replica has
        # refreshed its entries, an absent remote user is unknown, not gone.
        self._presence_grace_until = time.monotonic() + 3 * self.presence_refresh

    async def _presence_users(self, board_id: int, local: list[UserRef]) -> list[UserRef]:
        room = self.rooms.get(board_id)
        local_ids = {int(user["id"]) for user in local}
        try:
            users = await self.presence.users(board_id)
        except Exception as exc:  # the store is down: keep the remote users it last named
            log.warning("presence store unavailable: %s", exc)
            self._store_failing = True
            remembered = list(room.remote.values()) if room else []
            return sorted(
                {int(u["id"]): u for u in [*remembered, *local]}.values(),
                key=lambda u: int(u["id"]),
            )
        if self._store_failing:
            self._store_failing = False
            self._start_presence_grace()
        remote = {int(u["id"]): u for u in users if int(u["id"]) not in local_ids}
        if room is not None:
            if time.monotonic() < self._presence_grace_until:
                room.remote.update(remote)
            else:
                room.remote = remote
            remote = room.remote
        merged = {**remote, **{int(u["id"]): u for u in local}}
        return [merged[user_id] for user_id in sorted(merged)]

    async def _presence_changed(self, room: Room) -> None:
        try:
            await self.presence.set_local(room.board_id, room.local_users())
            await asyncio.wait_for(
                self.broker.publish(board_channel(room.board_id), PRESENCE_NOTICE), PUBLISH_TIMEOUT
            )
        except Exception as exc:
            log.warning("presence update for board %s failed: %s", room.board_id, exc)
        self._schedule_presence(room)

    def _schedule_presence(self, room: Room) -> None:
        # Coalesced: a crowd connecting at once costs one presence frame per delay, not one per socket.
        if room.presence_scheduled or room.closed:
            return
        room.presence_scheduled = True
        self._spawn(self._send_presence(room))

    async def _send_presence(self, room: Room) -> None:
        await asyncio.sleep(self.presence_delay)
        room.presence_scheduled = False
        if room.closed:
            return
        users = await self._presence_users(room.board_id, room.local_users())
        if users != room.presence_sent:
            room.presence_sent = users
            room.broadcast(protocol.presence(users))

    async def _refresh_presence_forever(self) -> None:
        while not await sleep_unless(self._stopping, self.presence_refresh):
            rooms = tuple(self.rooms.values())
            try:
                await self.presence.refresh({room.board_id: room.local_users() for room in rooms})
            except Exception as exc:
                log.warning("presence refresh failed: %s", exc)
                self._store_failing = True
                continue
            for room in rooms:
                self._schedule_presence(room)

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
