"""Browser tests: Debian's chromium, driven by Playwright, against the session's stack via Nginx.

One browser for the whole session; each user a fresh context; each tab a page. Browser tests run on
the session's event loop (Playwright objects belong to the loop that made them).
"""

from __future__ import annotations

import os
import statistics
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Browser, async_playwright

from devstack import Stack
from tests.browser.measurements import OFFLINE_CONVERGE_MS, PROPAGATION_MS, RECONNECT_MS
from tests.browser.web import Web, configure_expect
from tests.conftest import TIMEOUT_UNIT, Account, register

CHROMIUM = Path(os.environ.get("TASKFLOW_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
MakeAccount = Callable[[str], Awaitable[Account]]


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"no chromium at {CHROMIUM}: the browser tests drive Debian's chromium "
            "(install it with `make system-deps`, i.e. scripts/system-deps.sh, or "
            "`apt-get install chromium`; never `playwright install`)",
            pytrace=False,
        )
    configure_expect()
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            await launched.close()


@pytest_asyncio.fixture(loop_scope="session")
async def http(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """REST through Nginx, for seeding boards and checking what the server holds."""
    async with httpx.AsyncClient(
        base_url=stack.url, timeout=10 * TIMEOUT_UNIT, trust_env=False
    ) as client:
        yield client


@pytest_asyncio.fixture(loop_scope="session")
async def web(browser: Browser, http: httpx.AsyncClient, stack: Stack) -> AsyncIterator[Web]:
    session = Web(browser, http, stack.url)
    try:
        yield session
    finally:
        await session.close()
    assert not session.page_errors, f"uncaught errors in the client: {session.page_errors}"
    assert not session.csp_violations, f"refused by the CSP: {session.csp_violations}"


@pytest_asyncio.fixture(loop_scope="session")
async def account(http: httpx.AsyncClient) -> MakeAccount:
    """Makes accounts through the API: account("alice") -> alice_<random>."""

    async def factory(prefix: str = "user") -> Account:
        return await register(http, f"{prefix}_{uuid.uuid4().hex[:8]}")

    return factory


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for what, values in (
        ("propagation", PROPAGATION_MS),
        ("reconnects", RECONNECT_MS),
        ("offline replay", OFFLINE_CONVERGE_MS),
    ):
        if values:
            terminalreporter.write_line(
                f"browser {what}: {len(values)} measured, median "
                f"{statistics.median(values):.0f} ms, max {max(values):.0f} ms"
            )
