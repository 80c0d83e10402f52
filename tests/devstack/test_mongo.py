"""devstack.mongo: nx-27017 answers pymongo's ping, and stops and restarts on the same port."""

from __future__ import annotations

import asyncio

from devstack.mongo import MongoWireServer, mongo_answers
from devstack.ports import port_accepts
from pymongo import AsyncMongoClient


async def ping(url: str) -> None:
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(
        url, serverSelectionTimeoutMS=1500
    )
    try:
        assert (await client.admin.command("ping"))["ok"] == 1
        await client.devstack.items.insert_one({"n": 1})
        assert await client.devstack.items.count_documents({}) >= 1
    finally:
        await client.close()


async def test_wire_server_stops_and_restarts_on_its_port() -> None:
    server = MongoWireServer()
    try:
        await asyncio.to_thread(server.start)
        await ping(server.url)
        await asyncio.to_thread(server.stop)
        # Not probed with AsyncMongoClient: closing one whose monitor is still connecting to a
        # dead port leaks that socket (a ResourceWarning, an error under filterwarnings=error).
        assert not port_accepts(server.port)
        assert not await asyncio.to_thread(mongo_answers, server.url, 0.5)
        await asyncio.to_thread(server.start)
        await ping(server.url)
        await asyncio.to_thread(server.restart)
        await ping(server.url)
    finally:
        await asyncio.to_thread(server.close)
    assert not port_accepts(server.port)
