"""Live-board tests run against a real uvicorn on a loopback port; `http` talks to the same server."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from taskflow.main import create_app
from tests.conftest import Account, register
from tests.support.servers import running_server


@pytest.fixture
async def http(server_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server_url, timeout=30) as client:
        yield client


@pytest.fixture
async def owner(http: httpx.AsyncClient) -> Account:
    return await register(http, "owner")


@pytest.fixture
async def app_and_url(settings) -> AsyncIterator[tuple[FastAPI, str]]:  # type: ignore[no-untyped-def]
    """The app object itself and the URL of the real server running it (for white-box checks)."""
    application = create_app(settings)
    async with running_server(application) as url:
        yield application, url


@pytest.fixture
async def owner_on_app(app_and_url: tuple[FastAPI, str]) -> Account:
    async with httpx.AsyncClient(base_url=app_and_url[1]) as client:
        return await register(client, "owner")
