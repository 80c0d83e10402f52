"""Live-board commands: the same service calls as REST, answered with `ack` or `error` frames."""

from __future__ import annotations

import hashlib
import logging
from typing import Any, Final

import orjson
from pydantic import ValidationError
from sqlalchemy.exc import DataError
from sqlalchemy.ext.asyncio import AsyncSession

from taskflow.commit import Committer
from taskflow.database import UNAVAILABLE, Database
from taskflow.errors import DomainError, Invalid, VersionConflict
from taskflow.metrics import WS_COMMANDS
from taskflow.models import User
from taskflow.realtime import card_commands, column_commands, protocol
from taskflow.realtime.protocol import ClientFrame
from taskflow.realtime.restore_commands import RESTORE_COMMANDS, run_restore
from taskflow.schemas import TaskCreate, TaskUpdate
from taskflow.services import idempotency, tasks
from taskflow.services.events import Event

log = logging.getLogger("taskflow.realtime")
HANDLERS: Final[dict[str, card_commands.Handler]] = {
    **card_commands.HANDLERS,
    **column_commands.HANDLERS,
}


def describe(error: ValidationError) -> str:
    """A readable summary of what is wrong, never echoing the rejected values."""
    parts = []
    for item in error.errors()[:5]:
        where = ".".join(str(part) for part in item.get("loc", ())) or "data"
        parts.append(f"{where}: {item.get('msg', 'invalid')}")
    return "; ".join(parts)


def _task_id(data: dict[str, Any]) -> int:
    task_id = data.get("id")
    if not isinstance(task_id, int) or isinstance(task_id, bool) or not 1 <= task_id < 2**63:
        raise Invalid("data.id must be a positive 64-bit integer")
    return task_id


def _version(data: dict[str, Any]) -> int | None:
    version = data.get("version")
    if version is None:
        return None
    if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version < 2**31:
        raise Invalid("data.version must be a positive integer")
    return version


def command_scope(board_id: int, frame: ClientFrame) -> str:
    """Where a command's `ref` is remembered: its board, its type and a digest of its data.

    A `ref` sent again with the same command is a replay and gets the first ack; the same `ref`
    with another command (a client using refs as plain correlation ids, or a bug) is that other
    command, applied on its own, never answered with an older command's ack.
    """
    digest = hashlib.sha256(orjson.dumps(frame.data, option=orjson.OPT_SORT_KEYS)).hexdigest()
    return f"ws:{board_id}:{frame.type}:{digest}"


class CommandRunner:
    """Runs one command in its own transaction, as the socket's user, on the socket's board."""

    __slots__ = ("commit", "db")

    def __init__(self, *, db: Database, commit: Committer) -> None:
        self.db = db
        self.commit = commit

    async def run(self, *, actor: User, board_id: int, frame: ClientFrame) -> str:
        try:
            return await self._run_once(actor=actor, board_id=board_id, frame=frame)
        except ValidationError as exc:
            return self._error(frame, "invalid", describe(exc))
        except VersionConflict as exc:  # the current task comes along, as REST's 412 does
            return self._error(frame, "conflict", exc.message, data=exc.detail)
        except DomainError as exc:
            return self._error(frame, exc.code, exc.message)
        except DataError:
            return self._error(frame, "invalid", "a value is out of range or not storable")
        except UNAVAILABLE as exc:
            log.error("command %s failed, database unavailable: %s", frame.type, type(exc).__name__)
            return self._error(frame, "unavailable", "database unavailable, try again")

    async def _run_once(self, *, actor: User, board_id: int, frame: ClientFrame) -> str:
        """Apply the command; a `ref` seen before from this user on this board replays its ack.

        A first attempt, the common case, looks nothing up: the stored ack is read only when the
        command fails (a replay of an applied change usually does: its version moved on, its
        task is gone) or when storing the new ack hits the unique key (a replay that would apply
        again, or a twin racing it). Either way this attempt's change is rolled back and the
        first ack answered, so a ref is applied once.
        """
        async with self.db.session() as tx:
            try:
                events = await self._execute(tx, actor=actor, board_id=board_id, frame=frame)
            except DomainError:
                if (
                    stored := await self._recall(tx, actor=actor, board_id=board_id, frame=frame)
                ) is None:
                    raise
                WS_COMMANDS.labels(frame.type, "replayed").inc()
                return stored
            # The command's own event is the last; a rebalance it caused may come before it.
            reply = protocol.ack(ref=frame.ref, seq=events[-1].seq, data=events[-1].data)
            if frame.ref is None:
                await self.commit(tx, *events)
            elif (
                twin := await idempotency.remember_first(
                    tx,
                    user_id=actor.id,
                    scope=command_scope(board_id, frame),
                    key=frame.ref,
                    status_code=200,
                    body=reply,
                    then=lambda: self.commit(tx, *events),
                )
            ) is not None:
                return str(twin.body)
        WS_COMMANDS.labels(frame.type, "ack").inc()
        return reply

    @staticmethod
    async def _recall(
        tx: AsyncSession, *, actor: User, board_id: int, frame: ClientFrame
    ) -> str | None:
        """The first ack stored for the frame's ref, after rolling this attempt back."""
        if frame.ref is None:
            return None
        scope = command_scope(board_id, frame)
        stored = await idempotency.recall_instead(tx, user_id=actor.id, scope=scope, key=frame.ref)
        return None if stored is None else str(stored.body)

    def _error(self, frame: ClientFrame, code: str, message: str, data: Any = None) -> str:
        WS_COMMANDS.labels(frame.type, code).inc()
        return protocol.error(ref=frame.ref, code=code, message=message, data=data)

    async def _execute(
        self, tx: AsyncSession, *, actor: User, board_id: int, frame: ClientFrame
    ) -> list[Event]:
        if frame.type in RESTORE_COMMANDS:
            return await run_restore(tx, actor=actor, board_id=board_id, frame=frame)
        data = frame.data
        if (handler := HANDLERS.get(frame.type)) is not None:
            return await handler(tx, actor, board_id, data)
        if frame.type == "task.create":
            cmd = TaskCreate.model_validate(data)
            _, events = await tasks.create_task(tx=tx, actor=actor, board_id=board_id, cmd=cmd)
            return events
        task_id = _task_id(data)
        if frame.type == "task.update":
            fields = {key: value for key, value in data.items() if key != "id"}
            _, events = await tasks.update_task(
                tx=tx,
                actor=actor,
                task_id=task_id,
                cmd=TaskUpdate.model_validate(fields),
                board_id=board_id,
                expected_version=_version(data),
            )
            return events
        unknown = set(data) - {"id", "version"}
        if unknown:
            raise Invalid(f"unknown fields: {', '.join(sorted(unknown))[:100]}")
        _, event = await tasks.delete_task(
            tx=tx, actor=actor, task_id=task_id, board_id=board_id, expected_version=_version(data)
        )
        return [event]
