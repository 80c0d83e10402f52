"""Nginx reloaded under open sockets and a steady stream: nothing missed, nothing twice.

Old workers keep their upgraded connections until they close or `worker_shutdown_timeout`
ends them; a socket that is closed resumes through the new workers with `since`.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest
from devstack.watcher import Watcher, close_all, wait_all

from devstack import Stack
from tests.reliability.conftest import Crew, board_seq, secrets_in_logs
from tests.reliability.load import RestWriter
from tests.support.delivery import assert_every_seq_once, open_watchers

pytestmark = pytest.mark.cluster

RELOADS = 2


async def test_reload_with_open_sockets_misses_nothing(
    stack: Stack, front: httpx.AsyncClient, crew: Crew
) -> None:
    board = crew.board_id
    watchers = await open_watchers(10, "nginx", stack.url, board, crew.tokens, resume_url=stack.url)
    base = watchers[0].hellos[0]["seq"]
    writer = RestWriter(front, crew.owner, board, 10.0, "reload")
    stop = asyncio.Event()
    stream = asyncio.create_task(writer.run(stop))
    late: list[Watcher] = []
    try:
        for _ in range(RELOADS):
            await asyncio.sleep(1.0)
            await asyncio.to_thread(stack.reload_nginx)
            # A socket opened through the new workers, resuming from the start.
            late.append(await Watcher("after reload", stack.url, board, crew.editor.token).start())
        await asyncio.sleep(1.0)
    finally:
        stop.set()
        await stream
    everyone = watchers + late
    try:
        assert not writer.failures(), writer.failures()[:5]
        head = await board_seq(front, crew.owner, board)
        assert head == base + len(writer.writes)
        await wait_all(everyone, head)
        assert assert_every_seq_once(watchers, base + 1, head) == 0
        for watcher in late:
            first = watcher.hellos[0]["seq"]
            assert assert_every_seq_once([watcher], first + 1, head) == 0
        drops = sum(len(watcher.closes) for watcher in everyone)
    finally:
        await close_all(everyone)
    assert not secrets_in_logs(stack, [crew.owner, crew.editor])
    print(
        f"nginx reload x{RELOADS}: {len(writer.writes)} writes through Nginx all 2xx, "
        f"{len(everyone)} sockets got {base + 1}..{head} once each; {drops} sockets dropped "
        f"and resumed"
    )
