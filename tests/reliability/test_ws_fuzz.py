"""A WebSocket fuzzer: random, malformed and hostile frames against a real `taskflow serve`.

Every frame must be answered with `error` frames (or an ack, for the rare valid command), or
the socket closed with a code the contract or the README names; a second socket on the same
board keeps getting events and pongs; and the server's memory does not grow while thousands of
bad frames go by. The replica's command rate limit is lifted here (the limit itself is tested in
test_limits.py), so the fuzzer measures the frames, not the throttle.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
from devstack.watcher import ws_url
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from devstack import Replica, asyncapi
from tests.conftest import TIMEOUT_UNIT
from tests.support.databases import SqliteTemplate

EXAMPLES = 400
BULK_ROUNDS = 10  # the bad frames found, sent again this many times for the memory check
RSS_SLACK = 20 * 1024 * 1024
REPLY_TYPES = {"error", "ack", "event", "presence", "pong"}
ERROR_CODES = {"invalid", "forbidden", "not_found", "conflict", "rate_limited"}
# 4413 frame too large; 1009 larger than the WebSocket layer takes (1 MiB, see README);
# 1007 text that is not UTF-8 (RFC 6455).
CLOSE_CODES = {4413, 1009, 1007}
FIELDS = [
    "id", "version", "title", "description", "column_id", "assignee_id", "due_date",
    "before_id", "after_id",
]  # fmt: skip


@dataclass(frozen=True)
class Frame:
    payload: str | bytes
    text: bool = True  # bytes sent as a text frame: not necessarily UTF-8


scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.sampled_from([2**63 - 1, 2**63, 2**64 - 1, -(2**63), 0, -1, 10**300])
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from(["\x00", "\u202e", "💥" * 50, "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", " "])
)  # fmt: skip
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12
)  # fmt: skip
commands = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["task.create", "task.update", "task.delete", "ping"]) | st.text(max_size=20),
        "data": st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=10), json_values, max_size=5) | json_values,
    },
    optional={"ref": st.text(max_size=250) | scalars},
).map(lambda frame: Frame(json.dumps(frame)))  # fmt: skip


def nested(depth: int) -> Frame:
    return Frame("[" * depth + "]" * depth)


frames = st.one_of(
    commands,
    json_values.map(lambda value: Frame(json.dumps(value))),
    st.text(max_size=200).map(Frame),
    st.binary(max_size=200).map(lambda raw: Frame(raw, text=False)),
    st.binary(min_size=1, max_size=50).map(lambda raw: Frame(b'{"type":"ping","x":"' + raw + b'"}', text=True)),
    st.integers(min_value=1, max_value=3000).map(nested),
    st.integers(min_value=60_000, max_value=70_000).map(lambda n: Frame(json.dumps({"type": "task.create", "ref": "big", "data": {"title": "x" * n}}))),
)  # fmt: skip


@pytest.fixture
def fuzz_replica(sqlite_template: SqliteTemplate, tmp_path: Path) -> Iterator[Replica]:
    env = {
        "DATABASE_URL": sqlite_template.fresh_copy(tmp_path),
        "ENVIRONMENT": "test",
        "REDIS_URL": "",
        "MONGODB_URI": "",
        "WS_COMMANDS_PER_SECOND": "1000000",
        "WS_COMMAND_BURST": "1000000",
    }
    replica = Replica(env=env, workdir=tmp_path / "fuzz", name="fuzz")
    replica.start(timeout=30 * TIMEOUT_UNIT)
    yield replica
    replica.stop()


class Fuzzer:
    """One socket that sends a frame, then a marker, and judges every reply before the marker's.

    The marker is a frame of unknown type with a unique ref: its `error` names that ref, so the
    replies of one frame are never confused with the next one's (a fuzzed ping has a pong too).
    """

    def __init__(self, url: str, sockets: contextlib.ExitStack) -> None:
        self.url = url
        self.sockets = sockets
        self.socket = self._open()
        self.violations: list[str] = []
        self.found: list[Frame] = []  # frames that got an error and left the socket open
        self.closes: dict[int, int] = {}
        self.sent = 0
        self.marks = 0

    def _open(self) -> ClientConnection:
        return open_socket(self.url, self.sockets)

    def send(self, frame: Frame) -> None:
        self.sent += 1
        try:
            self.socket.send(frame.payload, text=frame.text)
            replies = self._until_marker()
        except ConnectionClosed as closed:
            code = closed.rcvd.code if closed.rcvd is not None else 1006
            self.closes[code] = self.closes.get(code, 0) + 1
            if code not in CLOSE_CODES:
                self.violations.append(f"closed {code} after {frame.payload[:200]!r}")
            self.socket.close()
            self.socket = self._open()
            return
        problems = [reply for reply in replies if not self._acceptable(reply)]
        if problems:
            self.violations.append(f"{frame.payload[:200]!r} answered {problems}")
        elif any(reply["type"] == "error" for reply in replies):
            self.found.append(frame)

    def _until_marker(self, most: int = 100) -> list[dict[str, Any]]:
        self.marks += 1
        ref = f"marker-{self.marks}"
        self.socket.send(json.dumps({"type": "marker", "ref": ref}))
        replies = []
        for _ in range(most):
            reply = json.loads(self.socket.recv(timeout=10 * TIMEOUT_UNIT))
            asyncapi.check_server_frame(reply)  # fuzzed input, documented answers
            if reply.get("ref") == ref and reply.get("type") == "error":
                return replies
            replies.append(reply)
        raise AssertionError(f"no answer to {ref} among {most} frames")

    @staticmethod
    def _acceptable(reply: dict[str, Any]) -> bool:
        if reply.get("type") not in REPLY_TYPES:
            return False
        return reply["type"] != "error" or reply.get("code") in ERROR_CODES

    def bulk(self, frames: list[Frame]) -> None:
        """Send frames back to back, one marker at the end; every one must get its error."""
        for frame in frames:
            self.socket.send(frame.payload, text=frame.text)
        replies = self._until_marker(most=len(frames) * 3 + 10)
        errors = sum(1 for reply in replies if reply["type"] == "error")
        assert errors >= len(frames), f"{errors} errors for {len(frames)} bad frames"
        self.sent += len(frames)


def open_socket(url: str, sockets: contextlib.ExitStack) -> ClientConnection:
    socket = sockets.enter_context(connect(url, open_timeout=10, compression=None, max_size=2**22))
    hello = json.loads(socket.recv(timeout=10))
    asyncapi.check_server_frame(hello)
    assert hello["type"] == "hello"
    return socket


def rss(replica: Replica) -> int:
    assert replica.pid is not None
    return int(psutil.Process(replica.pid).memory_info().rss)


def test_hostile_frames_get_errors_or_contract_closes_and_cost_no_memory(
    fuzz_replica: Replica,
) -> None:
    with (
        httpx.Client(base_url=fuzz_replica.url, timeout=30) as http,
        contextlib.ExitStack() as sockets,
    ):
        http.post("/api/users", json={"username": "fuzzer", "email": "f@example.com", "password": "fuzzer-password"})  # fmt: skip
        token = http.post("/api/auth/token", data={"username": "fuzzer", "password": "fuzzer-password"}).json()["access_token"]  # fmt: skip
        headers = {"Authorization": f"Bearer {token}"}
        board = http.post("/api/boards", json={"name": "fuzzed"}, headers=headers).json()["id"]
        url = ws_url(fuzz_replica.url, board, token)
        bystander = open_socket(url, sockets)
        fuzzer = Fuzzer(url, sockets)

        @given(frame=frames)
        @example(frame=Frame(json.dumps({"type": "task.update", "ref": "r", "data": {"id": 2**63 + 5, "title": "x"}})))  # fmt: skip
        @example(frame=Frame(json.dumps({"type": "task.delete", "ref": "r", "data": {"id": 2**64 - 1}})))  # fmt: skip
        @example(frame=Frame(json.dumps({"type": "task.create", "ref": "r", "data": {"title": "x", "due_date": "0001-01-01T00:00:00+14:00"}})))  # fmt: skip
        @example(frame=Frame(b"\xff\xfe{}", text=True))
        @example(frame=Frame(b"\x00" * 10, text=False))
        @example(frame=Frame("x" * (1 << 20 + 1)))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def fuzz(frame: Frame) -> None:
            fuzzer.send(frame)

        started = time.monotonic()
        fuzz()
        fuzzed_in = time.monotonic() - started

        bad = fuzzer.found[:200]
        assert len(bad) >= 100, f"only {len(bad)} frames drew an error"
        fuzzer.bulk(bad)  # warm-up: whatever gets allocated once is allocated now
        before = rss(fuzz_replica)
        for _ in range(BULK_ROUNDS):
            fuzzer.bulk(bad)
        after = rss(fuzz_replica)

        # The bystander still gets events and pongs.
        created = http.post(
            f"/api/boards/{board}/tasks", json={"title": "still here"}, headers=headers
        )
        assert created.status_code == 201, created.text
        bystander.send('{"type":"ping"}')
        seen = []
        while not (seen and seen[-1].get("type") == "pong" and any(f.get("data", {}).get("title") == "still here" for f in seen if f["type"] == "event")):  # fmt: skip
            seen.append(json.loads(bystander.recv(timeout=10 * TIMEOUT_UNIT)))
            asyncapi.check_server_frame(seen[-1])
            assert len(seen) < 5000
    print(
        f"ws fuzz: {fuzzer.sent} frames ({EXAMPLES} generated in {fuzzed_in:.1f} s, then "
        f"{BULK_ROUNDS} x {len(bad)} bad ones again); closes {fuzzer.closes}; server RSS "
        f"{before / 2**20:.1f} -> {after / 2**20:.1f} MiB"
    )
    assert not fuzzer.violations, f"{len(fuzzer.violations)} violations: {fuzzer.violations[:10]}"
    assert after - before < RSS_SLACK, f"RSS grew {(after - before) / 2**20:.1f} MiB"
