"""The live-board wire protocol: frame builders, close codes and command parsing. No I/O here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import orjson

from taskflow.realtime.presence import UserRef

CLOSE_SERVICE_RESTART: Final = 1012
CLOSE_TRY_AGAIN_LATER: Final = 1013
CLOSE_UNAUTHORIZED: Final = 4401
CLOSE_NOT_FOUND: Final = 4404
CLOSE_TOO_SLOW: Final = 4408
CLOSE_BOARD_DELETED: Final = 4410
CLOSE_FRAME_TOO_LARGE: Final = 4413
CLOSE_TOO_MANY_COMMANDS: Final = 4429

COMMANDS: Final = frozenset(
    {
        "task.create", "task.update", "task.delete", "task.restore",
        "column.create", "column.update", "column.delete", "column.restore",
        "label.create", "label.update", "label.delete",
        "comment.create", "comment.update", "comment.delete", "comment.restore",
        "checklist.create", "checklist.update", "checklist.delete",
    }
)  # fmt: skip
PONG: Final = '{"type":"pong"}'
MAX_TOKEN_CHARS: Final = 4_096


def dumps(frame: dict[str, Any]) -> str:
    return orjson.dumps(frame).decode()


def hello(*, board_id: int, seq: int, user: UserRef, presence: list[UserRef]) -> str:
    return dumps(
        {"type": "hello", "board_id": board_id, "seq": seq, "user": user, "presence": presence}
    )


def presence(users: list[UserRef]) -> str:
    return dumps({"type": "presence", "users": users})


def resync(seq: int) -> str:
    return dumps({"type": "resync", "seq": seq})


def ack(*, ref: str | None, seq: int | None, data: Any) -> str:
    return dumps({"type": "ack", "ref": ref, "seq": seq, "data": data})


def error(*, ref: str | None, code: str, message: str, data: Any = None) -> str:
    frame = {"type": "error", "ref": ref, "code": code, "message": message}
    if data is not None:
        frame["data"] = data
    return dumps(frame)


class BadFrame(Exception):
    """A frame the server answers with an `error` frame (code `invalid`), keeping the socket open."""

    def __init__(self, message: str, ref: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.ref = ref


@dataclass(frozen=True, slots=True)
class ClientFrame:
    type: str
    ref: str | None
    data: dict[str, Any]


def parse_client_frame(text: str) -> ClientFrame:
    """Decode one client text frame into its type, ref and data, or raise BadFrame."""
    try:
        message = orjson.loads(text)
    except orjson.JSONDecodeError:
        raise BadFrame("frame is not valid JSON") from None
    if not isinstance(message, dict):
        raise BadFrame("frame must be a JSON object")
    ref = message.get("ref")
    if ref is not None and not (isinstance(ref, str) and len(ref) <= 200):
        raise BadFrame("ref must be a string of at most 200 characters")
    kind = message.get("type")
    if not isinstance(kind, str):
        raise BadFrame("frame needs a string `type`", ref)
    if kind == "ping":
        return ClientFrame("ping", ref, {})
    if kind == "auth":
        token = message.get("token")
        if not isinstance(token, str) or not 0 < len(token) <= MAX_TOKEN_CHARS:
            raise BadFrame("`token` must be a non-empty string", ref)
        return ClientFrame("auth", ref, {"token": token})
    if kind not in COMMANDS:
        raise BadFrame(f"unknown type {kind[:40]!r}", ref)
    data = message.get("data")
    if not isinstance(data, dict):
        raise BadFrame("`data` must be an object", ref)
    return ClientFrame(kind, ref, data)
