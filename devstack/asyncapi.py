"""Frames held to `/asyncapi.json`: the shared socket helpers check every frame against it.

The document is the server's own (`asyncapi_document()`, what `/asyncapi.json` serves); the
AsyncAPI 3.0.0 JSON Schema it is checked against is vendored from the npm package
`@asyncapi/specs` 6.11.1 (`asyncapi-3.0.0.json`, Apache-2.0: LICENSE.asyncapi-specs).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator, Draft202012Validator

from taskflow.realtime.asyncapi import asyncapi_document

SPEC = Path(__file__).with_name("asyncapi-3.0.0.json")


@cache
def spec_validator() -> Draft7Validator:
    """The official AsyncAPI 3.0.0 JSON Schema (draft-07)."""
    return Draft7Validator(json.loads(SPEC.read_text()))


def _key(schema: dict[str, Any]) -> tuple[str, str | None]:
    properties = schema["properties"]
    name = (
        properties.get("name", {}).get("const") if properties["type"]["const"] == "event" else None
    )
    return properties["type"]["const"], name


@cache
def _payloads(operation: str) -> dict[tuple[str, str | None], str]:
    """(type, event name) -> the payload schema's name, for one side of the protocol."""
    document = asyncapi_document()
    found = {}
    for message in document["operations"][operation]["messages"]:
        name = message["$ref"].rsplit("/", 1)[1]
        payload = document["components"]["messages"][name]["payload"]["$ref"].rsplit("/", 1)[1]
        found[_key(document["components"]["schemas"][payload])] = payload
    return found


@cache
def _validator(payload: str) -> Draft202012Validator:
    # The document itself is the root, so the payload's $refs into components resolve.
    return Draft202012Validator({**asyncapi_document(), "$ref": f"#/components/schemas/{payload}"})


def problems(frame: Any, operation: str) -> list[str]:
    """Why `frame` is not a frame of this side of the document; empty when it is one."""
    if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
        return ["not an object with a string `type`"]
    payloads = _payloads(operation)
    name = frame.get("name") if frame["type"] == "event" else None
    payload = payloads.get((frame["type"], name if isinstance(name, str) else None))
    if payload is None:
        return [f"no message of type {frame['type']!r} (name {name!r})"]
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '(frame)'}: {error.message}"
        for error in _validator(payload).iter_errors(frame)
    ]


def check_server_frame(frame: Any) -> None:
    """Fails the test when a frame the server sent drifts from the document."""
    found = problems(frame, "sendFrames")
    assert not found, f"server frame not in /asyncapi.json: {found}\n{str(frame)[:2000]}"


def check_client_frame(frame: Any) -> None:
    """Fails the test when a frame it is about to send is not one the document allows."""
    found = problems(frame, "receiveFrames")
    assert not found, f"client frame not in /asyncapi.json: {found}\n{str(frame)[:2000]}"
