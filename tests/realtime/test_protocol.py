"""The wire protocol's pure parts: parsing client frames and the command throttle."""

from __future__ import annotations

import json
import time

import pytest

from taskflow.realtime.protocol import BadFrame, parse_client_frame
from taskflow.realtime.throttle import CommandThrottle, Verdict


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "JSON object"),
        ('"ping"', "JSON object"),
        ("{}", "string `type`"),
        ('{"type": 5}', "string `type`"),
        ('{"type": "task.explode", "data": {}}', "unknown type"),
        ('{"type": "task.create"}', "`data` must be an object"),
        ('{"type": "task.create", "data": [1]}', "`data` must be an object"),
        ('{"type": "ping", "ref": 7}', "ref must be a string"),
        (json.dumps({"type": "ping", "ref": "x" * 201}), "ref must be a string"),
    ],
)
def test_bad_frames_are_explained(text: str, message: str) -> None:
    with pytest.raises(BadFrame, match=message):
        parse_client_frame(text)


def test_ref_is_kept_when_the_rest_is_wrong() -> None:
    with pytest.raises(BadFrame) as bad:
        parse_client_frame('{"type": "nope", "ref": "abc"}')
    assert bad.value.ref == "abc"


def test_commands_and_ping_parse() -> None:
    frame = parse_client_frame('{"type": "task.update", "ref": "r", "data": {"id": 1}}')
    assert (frame.type, frame.ref, frame.data) == ("task.update", "r", {"id": 1})
    assert parse_client_frame('{"type": "ping"}').type == "ping"


def test_throttle_allows_a_burst_then_refuses_then_disconnects() -> None:
    throttle = CommandThrottle(rate=0.001, burst=5)
    assert [throttle.admit() for _ in range(5)] == [Verdict.ALLOW] * 5
    assert [throttle.admit() for _ in range(4)] == [Verdict.REFUSE] * 4
    assert throttle.admit() is Verdict.DISCONNECT


def test_throttle_refills_with_time() -> None:
    throttle = CommandThrottle(rate=1000.0, burst=2)
    throttle.admit(), throttle.admit()
    time.sleep(0.01)
    assert throttle.admit() is Verdict.ALLOW
