"""Real uvicorn servers for tests: in this event loop on a free port, or as a `taskflow serve` process."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any, Literal

import uvicorn
from devstack.ports import free_port
from fastapi import FastAPI

from taskflow.logs import logging_config
from taskflow.realtime.fast_path import FanoutProtocol


@contextlib.asynccontextmanager
async def running_server(
    app: FastAPI | Any,
    *,
    graceful_timeout: int = 3,
    protocol: type[FanoutProtocol] = FanoutProtocol,
    lifespan: Literal["on", "off"] = "on",
) -> AsyncIterator[str]:
    """Serve an ASGI `app` with uvicorn on 127.0.0.1 (real TCP, real WebSocket protocol); yields its URL."""
    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        loop="asyncio",
        ws=protocol,
        ws_per_message_deflate=False,
        ws_max_size=1 << 20,
        lifespan=lifespan,
        access_log=False,
        log_config=logging_config("info"),
        timeout_graceful_shutdown=graceful_timeout,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    for _ in range(500):
        if server.started or task.done():
            break
        await asyncio.sleep(0.01)
    if not server.started:
        task.cancel()
        raise RuntimeError("uvicorn did not start")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=graceful_timeout + 10)
