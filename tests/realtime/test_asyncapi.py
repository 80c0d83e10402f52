"""`/asyncapi.json`: a valid AsyncAPI 3.0.0 document naming every frame and close code."""

from __future__ import annotations

import copy

import httpx

from devstack import asyncapi
from taskflow.realtime import protocol
from taskflow.realtime.asyncapi import asyncapi_document

CONTRACT_EVENTS = {
    "board.updated", "board.deleted", "column.created", "column.updated", "column.deleted",
    "task.created", "task.updated", "task.deleted", "member.added", "member.removed",
}  # fmt: skip
CARD_COMMANDS = {
    "label.create", "label.update", "label.delete",
    "comment.create", "comment.update", "comment.delete", "comment.restore",
    "checklist.create", "checklist.update", "checklist.delete",
}  # fmt: skip
CARD_EVENTS = {
    "label.created", "label.updated", "label.deleted",
    "comment.created", "comment.updated", "comment.deleted", "comment.restored",
    "checklist.created", "checklist.updated", "checklist.deleted", "checklist.rebalanced",
}  # fmt: skip


def test_the_document_is_valid_against_the_official_schema() -> None:
    validator = asyncapi.spec_validator()
    errors = [error.message for error in validator.iter_errors(asyncapi_document())]
    assert not errors
    # The vendored schema does check: a document without `info`, or with a wrong action, is not valid.
    broken = copy.deepcopy(asyncapi_document())
    del broken["info"]
    broken["operations"]["sendFrames"]["action"] = "publish"
    assert len(list(validator.iter_errors(broken))) >= 2


async def test_it_is_served_as_built(client: httpx.AsyncClient) -> None:
    response = await client.get("/asyncapi.json")
    assert response.status_code == 200
    assert response.json() == asyncapi_document()


def test_every_frame_type_event_name_and_close_code_is_described() -> None:
    sent = {key for key in asyncapi._payloads("sendFrames")}
    received = {key for key in asyncapi._payloads("receiveFrames")}
    assert {kind for kind, _ in sent} == {"hello", "event", "presence", "ack", "error", "resync", "pong"}  # fmt: skip
    assert {name for kind, name in sent if kind == "event"} >= CONTRACT_EVENTS
    assert {kind for kind, _ in received} == {"ping", "auth"} | protocol.COMMANDS
    assert {
        "task.create",
        "task.update",
        "task.delete",
        "task.restore",
        "column.create",
        "column.update",
        "column.delete",
        "column.restore",
    } | CARD_COMMANDS <= protocol.COMMANDS
    assert {name for kind, name in sent if kind == "event"} >= CARD_EVENTS
    codes = asyncapi_document()["channels"]["liveBoard"]["x-close-codes"]
    for code in (4401, 4404, 4408, 4410, 4413, 4429, 1012, 1013, 1008, 1009):
        assert str(code) in codes
    error = asyncapi_document()["components"]["schemas"]["Error"]["properties"]["code"]
    assert {"invalid", "forbidden", "not_found", "conflict", "rate_limited"} <= set(error["enum"])
    # A conflict carries the current object: a task (stale version) or a column (expected_name).
    data = asyncapi_document()["components"]["schemas"]["Error"]["properties"]["data"]
    assert {"#/components/schemas/TaskPublic", "#/components/schemas/ColumnPublic"} <= {
        choice.get("$ref") for choice in data["anyOf"]
    }
    assert protocol.CLOSE_UNAUTHORIZED == 4401


def test_a_drifting_frame_fails() -> None:
    good = {"type": "resync", "seq": 3}
    assert asyncapi.problems(good, "sendFrames") == []
    assert asyncapi.problems({**good, "seq": "3"}, "sendFrames")
    assert asyncapi.problems({"type": "event", "name": "task.moved"}, "sendFrames")
    assert asyncapi.problems({"type": "ping", "extra": 1}, "receiveFrames")
