"""A room: the local subscribers of one board, and the last seq delivered to them."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from taskflow.metrics import EVENTS_DELIVERED
from taskflow.realtime import protocol
from taskflow.realtime.connection import Connection
from taskflow.realtime.fast_path import encode_text_frame
from taskflow.realtime.presence import UserRef
from taskflow.services.events import Event


class Room:
    """The local subscribers of one board; each delivered event reaches all of them at once."""

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
        ref, count = self.users.get(user["id"], (user, 0))
        self.users[user["id"]] = (ref, count + 1)
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
        return sorted((ref for ref, _ in self.users.values()), key=lambda user: user["id"])

    def broadcast(self, frame: str) -> None:
        wire = encode_text_frame(frame)  # once per event, for every socket that can take it now
        # A copy, because a push may close a socket and the reader then leaves the room.
        for connection in tuple(self.connections):
            connection.push(frame, wire)

    def deliver(self, event: Event) -> None:
        """Send the room's next event to every socket; a removed member's sockets close (4404)."""
        self.seq = event.seq
        self.broadcast(event.frame)
        EVENTS_DELIVERED.inc(len(self.connections))
        if event.name == "member.removed":
            removed = event.data.get("user_id")
            self.evict(lambda c: c.user_id == removed, protocol.CLOSE_NOT_FOUND, "removed")

    def evict(self, which: Callable[[Connection], bool], code: int, reason: str) -> None:
        for connection in tuple(self.connections):
            if which(connection):
                connection.close(code, reason)
