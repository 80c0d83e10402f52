"""The live-board protocol as an AsyncAPI 3.0 document, built from the frame models.

Operations are the server's: it `send`s hello, event, presence, ack, error, resync and pong, and
`receive`s the commands, ping and auth. Close codes have no AsyncAPI field: the channel's
description lists them, and `x-close-codes` carries them for machines.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from taskflow import __version__
from taskflow.realtime import frames, protocol

CHANNEL = "liveBoard"
CLOSE_CODES: dict[int, str] = {
    protocol.CLOSE_UNAUTHORIZED: "token missing, bad or expired (also at the token's `exp`)",
    protocol.CLOSE_NOT_FOUND: "no such board, or not a member (also when removed from it)",
    protocol.CLOSE_TOO_SLOW: "the client did not keep up: its send buffer overflowed",
    protocol.CLOSE_BOARD_DELETED: "the board was deleted",
    protocol.CLOSE_FRAME_TOO_LARGE: "a frame larger than 65,536 bytes (up to 1 MiB)",
    protocol.CLOSE_TOO_MANY_COMMANDS: "too many commands",
    protocol.CLOSE_SERVICE_RESTART: "the server is restarting: reconnect with `since`",
    protocol.CLOSE_TRY_AGAIN_LATER: "too many sockets for this user, or the database is down",
    1008: "a malformed `since`",
    1009: "a frame larger than 1 MiB, refused by the WebSocket layer",
}


def _message_name(model: type[BaseModel]) -> str:
    return model.__name__[0].lower() + model.__name__[1:]


def _messages() -> tuple[dict[str, type[BaseModel]], dict[str, type[BaseModel]]]:
    sent = {_message_name(m): m for m in frames.SERVER_FRAMES}
    for name in frames.EVENT_DATA:
        model = frames.event_model(name)
        sent[_message_name(model)] = model
    received = {_message_name(m): m for m in frames.CLIENT_FRAMES}
    return sent, received


def _description() -> str:
    codes = "\n".join(f"- `{code}`: {why}" for code, why in sorted(CLOSE_CODES.items()))
    return (
        "One board's live events, presence and commands; text frames, one JSON object each."
        " `hello` comes first. Events arrive in strictly increasing `seq`, with no gap and no"
        " duplicate, or `resync` comes instead.\n\nClose codes:\n" + codes
    )


@cache
def asyncapi_document() -> dict[str, Any]:
    """The whole document (built once: the frames do not change while the process runs)."""
    sent, received = _messages()
    everything = [*sent.values(), *received.values()]
    _, schemas = models_json_schema(
        [(model, "serialization") for model in everything],
        ref_template="#/components/schemas/{model}",
    )
    messages = {
        name: {
            "name": name,
            "title": model.__name__,
            "summary": (model.__doc__ or model.__name__).strip().splitlines()[0],
            "contentType": "application/json",
            "payload": {"$ref": f"#/components/schemas/{model.__name__}"},
        }
        for name, model in {**sent, **received}.items()
    }
    ref = f"#/channels/{CHANNEL}/messages/"
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "TaskFlow live boards",
            "version": __version__,
            "description": "The WebSocket protocol of `GET /ws/boards/{board_id}`.",
        },
        "defaultContentType": "application/json",
        "channels": {
            CHANNEL: {
                "address": "/ws/boards/{board_id}",
                "title": "A live board",
                "description": _description(),
                "parameters": {"board_id": {"description": "the board's id"}},
                "messages": {name: {"$ref": f"#/components/messages/{name}"} for name in messages},
                "bindings": {
                    "ws": {
                        "method": "GET",
                        "query": {
                            "type": "object",
                            "required": ["token"],
                            "properties": {
                                "token": {"type": "string", "description": "an access token"},
                                "since": {
                                    "type": "string",
                                    "pattern": "^[0-9]+$",
                                    "description": "replay every event after this `seq` first",
                                },
                            },
                        },
                    }
                },
                "x-close-codes": {str(code): why for code, why in CLOSE_CODES.items()},
            }
        },
        "operations": {
            "sendFrames": {
                "action": "send",
                "channel": {"$ref": f"#/channels/{CHANNEL}"},
                "summary": "frames the server sends",
                "messages": [{"$ref": ref + name} for name in sent],
            },
            "receiveFrames": {
                "action": "receive",
                "channel": {"$ref": f"#/channels/{CHANNEL}"},
                "summary": "frames a client may send",
                "messages": [{"$ref": ref + name} for name in received],
            },
        },
        "components": {"schemas": schemas["$defs"], "messages": messages},
    }
