"""The live-board socket, `/ws/boards/{board_id}?token=...&since=...`, as a plain ASGI app.

Plain ASGI rather than a FastAPI route: no dependency may pin a database session for the
lifetime of a socket, and the writer talks to the server's `send` without extra layers.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from urllib.parse import parse_qs

from starlette.types import Receive, Scope, Send

from taskflow.config import Settings
from taskflow.database import UNAVAILABLE, Database
from taskflow.errors import NotFound, Unauthorized
from taskflow.models import User
from taskflow.realtime import protocol
from taskflow.realtime.commands import CommandRunner
from taskflow.realtime.connection import Connection
from taskflow.realtime.eventlog import EventLog
from taskflow.realtime.fast_path import WRITE_NOW
from taskflow.realtime.hub import Hub
from taskflow.realtime.presence import UserRef
from taskflow.realtime.protocol import BadFrame, ClientFrame, parse_client_frame
from taskflow.realtime.throttle import CommandThrottle, Verdict
from taskflow.realtime.token_expiry import TokenExpiry
from taskflow.security import VerifiedToken, verify_token
from taskflow.services.members import Membership, membership
from taskflow.services.sessions import is_alive
from taskflow.web.state import app_settings, app_state

log = logging.getLogger("taskflow.realtime")


class Refused(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def _query(scope: Scope) -> dict[str, str]:
    parsed = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    return {key: values[-1] for key, values in parsed.items()}


def _since(query: dict[str, str]) -> int | None:
    raw = query.get("since")
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise Refused(1008, "since must be a non-negative integer")
    return int(raw)


class LiveBoardEndpoint:
    """One reader (this coroutine: commands, pings) and one writer task (every frame sent)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = app_state(scope["app"])
        settings = app_settings(scope["app"])
        hub = state.hub
        board_id = int(scope["path_params"]["board_id"])
        if (await receive())["type"] != "websocket.connect":
            return
        # Accept first, so a browser learns why through the close code instead of a failed handshake.
        await send({"type": "websocket.accept"})
        # uvicorn and every frame above keep the scope as long as the socket: its headers,
        # read by the handshake and the proxy middleware, are read by no one from here on.
        scope["headers"] = []
        try:
            query = _query(scope)
            since = _since(query)
            member, verified = await self._authorize(
                state.db, settings, query.pop("token", None), board_id
            )
            del query
            if hub.sockets_of(member.user_id) >= settings.ws_connections_per_user:
                raise Refused(protocol.CLOSE_TRY_AGAIN_LATER, "too many connections for this user")
            user_ref: UserRef = {"id": member.user_id, "username": member.username}
            write_now = scope.get("extensions", {}).get(WRITE_NOW)
            connection = Connection(
                send=send,
                board_id=board_id,
                user=user_ref,
                limit=hub.queue_limit,
                write_now=write_now,
                session_id=verified.session_id,
            )
            try:
                seq = await hub.join(connection)
            except NotFound:
                raise Refused(protocol.CLOSE_NOT_FOUND, "no such board") from None
            if member.board_seq is None or seq > member.board_seq:
                await self._still_a_member(hub, state.db, connection)
        except Refused as refused:
            await send({"type": "websocket.close", "code": refused.code, "reason": refused.reason})
            return
        except UNAVAILABLE as exc:
            await self._refuse_unavailable(send, exc)
            return
        expiry = TokenExpiry(connection, verified.expires_at)
        try:
            opening = await self._opening_frames(
                hub, state.event_log, board_id, seq, since, user_ref
            )
            connection.prime(opening)
            del opening  # what stays in this frame stays as long as the socket
            runner = CommandRunner(db=state.db, commit=state.committer)
            await self._read(receive, connection, runner, settings, expiry)
        except UNAVAILABLE as exc:
            if connection.opened:
                raise
            await self._refuse_unavailable(send, exc)
        finally:
            expiry.cancel()
            await hub.leave(connection)
            await connection.finish()

    async def _refuse_unavailable(self, send: Send, exc: BaseException) -> None:
        log.warning("refusing a socket, database unavailable: %s", type(exc).__name__)
        await send(
            {
                "type": "websocket.close",
                "code": protocol.CLOSE_TRY_AGAIN_LATER,
                "reason": "database unavailable",
            }
        )

    async def _authorize(
        self, db: Database, settings: Settings, token: str | None, board_id: int
    ) -> tuple[Membership, VerifiedToken]:
        """The token's user as a member of the board (with the board's seq read with the role),
        and the token (its expiry, its session)."""
        if not token:
            raise Refused(protocol.CLOSE_UNAUTHORIZED, "token missing")
        try:
            verified = verify_token(token, secret=settings.secret_key)
        except Unauthorized:
            raise Refused(protocol.CLOSE_UNAUTHORIZED, "token invalid or expired") from None
        # Two reads at once: the session check adds no round trip to the connect.
        member, alive = await asyncio.gather(
            membership(db=db, user_id=verified.user_id, board_id=board_id),
            _session_alive(db, verified),
        )
        if member is None:
            raise Refused(protocol.CLOSE_UNAUTHORIZED, "token invalid or expired")
        if not alive:
            raise Refused(protocol.CLOSE_UNAUTHORIZED, "session ended")
        if member.role is None or member.board_seq is None:
            raise Refused(protocol.CLOSE_NOT_FOUND, "no such board")
        return member, verified

    async def _still_a_member(self, hub: Hub, db: Database, connection: Connection) -> None:
        """Checked again once in the room when events were delivered between the role's read and
        the join (the hello's seq is past the seq read with the role): one of them may have
        removed the user, and it will never reach this socket. A removal after the role's read
        and not yet delivered at the join is delivered to the room, and evicts the socket."""
        admitted = False
        try:
            member = await membership(
                db=db, user_id=connection.user_id, board_id=connection.board_id
            )
            if member is None or member.role is None:
                raise Refused(protocol.CLOSE_NOT_FOUND, "no such board")
            admitted = True
        finally:
            if not admitted:
                await hub.leave(connection)

    async def _opening_frames(
        self,
        hub: Hub,
        event_log: EventLog,
        board_id: int,
        seq: int,
        since: int | None,
        user: UserRef,
    ) -> list[str]:
        presence = await hub.presence_of(board_id)
        frames = [protocol.hello(board_id=board_id, seq=seq, user=user, presence=presence)]
        if since is None:
            return frames
        replay = None if since > seq else await event_log.replay(board_id, since=since, head=seq)
        return [*frames, *replay] if replay is not None else [*frames, protocol.resync(seq)]

    async def _read(
        self,
        receive: Receive,
        connection: Connection,
        runner: CommandRunner,
        settings: Settings,
        expiry: TokenExpiry,
    ) -> None:
        actor: User | None = None  # made at the first command: most sockets never send one
        throttle = CommandThrottle(
            rate=settings.ws_commands_per_second, burst=settings.ws_command_burst
        )
        max_bytes = settings.ws_max_frame_bytes
        while True:
            message = await receive()
            if message["type"] == "websocket.disconnect":
                return
            if connection.closing:
                continue
            text = message.get("text")
            if text is None:
                connection.push(
                    protocol.error(
                        ref=None, code="invalid", message="binary frames are not supported"
                    )
                )
                continue
            if len(text) > max_bytes // 4 and len(text.encode()) > max_bytes:
                connection.close(protocol.CLOSE_FRAME_TOO_LARGE, "frame too large")
                continue
            verdict = throttle.admit()
            if verdict is Verdict.DISCONNECT:
                connection.close(protocol.CLOSE_TOO_MANY_COMMANDS, "too many commands")
                continue
            try:
                frame = parse_client_frame(text)
            except BadFrame as bad:
                connection.push(protocol.error(ref=bad.ref, code="invalid", message=bad.message))
                continue
            if verdict is Verdict.REFUSE:
                connection.push(
                    protocol.error(ref=frame.ref, code="rate_limited", message="slow down")
                )
                continue
            if frame.type == "ping":
                connection.push(protocol.PONG)
                continue
            if expiry.expired:  # the timer has not fired yet: nothing runs on an expired token
                connection.push(
                    protocol.error(ref=frame.ref, code="unauthorized", message="token expired")
                )
                expiry.expire()
                continue
            if frame.type == "auth":
                connection.push(await self._renew(frame, connection, runner.db, settings, expiry))
                continue
            if actor is None:
                actor = User(id=connection.user_id, username=connection.user["username"])
            reply = await runner.run(actor=actor, board_id=connection.board_id, frame=frame)
            connection.push(reply)

    async def _renew(
        self,
        frame: ClientFrame,
        connection: Connection,
        db: Database,
        settings: Settings,
        expiry: TokenExpiry,
    ) -> str:
        """A fresh token of the same user, of a live session, moves the socket's expiry (and
        its session to the token's); anything else is refused and changes nothing."""
        try:
            verified = verify_token(frame.data["token"], secret=settings.secret_key)
        except Unauthorized:
            return protocol.error(
                ref=frame.ref, code="unauthorized", message="token invalid or expired"
            )
        if verified.user_id != connection.user_id:
            return protocol.error(
                ref=frame.ref, code="unauthorized", message="token of another user"
            )
        if not await _session_alive(db, verified):
            return protocol.error(ref=frame.ref, code="unauthorized", message="session ended")
        connection.session_id = verified.session_id
        expiry.move(verified.expires_at)
        expires = datetime.fromtimestamp(verified.expires_at, UTC).isoformat()
        return protocol.ack(ref=frame.ref, seq=None, data={"expires_at": expires})


async def _session_alive(db: Database, token: VerifiedToken) -> bool:
    """A token without a session (issued before sessions existed) stands until it expires."""
    if token.session_id is None:
        return True
    async with db.read_session() as tx:
        return await is_alive(tx=tx, session_id=token.session_id, user_id=token.user_id)
