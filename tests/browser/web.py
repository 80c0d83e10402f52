"""A browser session over the stack: one context per user, a page per tab, sessions seeded or real.

Every page's uncaught script errors and Content-Security-Policy refusals are collected; a test
that ends with any fails.
"""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from playwright.async_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    ViewportSize,
    expect,
)
from playwright.async_api._generated import SetCookieParam  # not re-exported at the top

from taskflow.web.session_cookie import REFRESH_COOKIE
from tests.browser.board_page import BoardPage
from tests.conftest import ROOT, TIMEOUT_UNIT, Account

DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 360, "height": 740}
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
# Every Playwright wait is bounded by this (milliseconds), scaled like the rest of the suite.
WAIT_MS = 5_000 * TIMEOUT_UNIT


class Web:
    """Opens contexts and pages for one test and closes all of them at the end."""

    def __init__(self, browser: Browser, http: httpx.AsyncClient, url: str) -> None:
        self.browser = browser
        self.http = http
        self.url = url
        self.contexts: list[BrowserContext] = []
        self.page_errors: list[str] = []
        self.csp_violations: list[str] = []

    async def context(self, viewport: ViewportSize = DESKTOP, **options: Any) -> BrowserContext:
        """A fresh browser profile: its own storage, nobody signed in."""
        context = await self.browser.new_context(
            viewport=viewport, base_url=self.url, locale="en-US", **options
        )
        context.set_default_timeout(WAIT_MS)
        context.on("page", self._watch)
        self.contexts.append(context)
        return context

    async def signed_in(self, account: Account, viewport: ViewportSize = DESKTOP) -> BrowserContext:
        """A context signed in as `account` the way a browser is: a session of its own, whose
        refresh cookie every tab exchanges for its access token."""
        context = await self.context(viewport)
        await context.add_cookies([await self.refresh_cookie(account)])
        return context

    async def refresh_cookie(self, account: Account) -> SetCookieParam:
        """A new session's refresh credential, as the browser would have stored it."""
        response = await self.http.post(
            "/api/auth/token", data={"username": account.username, "password": account.password}
        )
        assert response.status_code == 200, response.text
        secret = response.cookies[REFRESH_COOKIE]
        self.http.cookies.clear()  # the browser's session, not this client's
        return {
            "name": REFRESH_COOKIE,
            "value": secret,
            "domain": urlsplit(self.url).hostname or "127.0.0.1",
            "path": "/api/auth",
            "httpOnly": True,
            "sameSite": "Strict",
        }

    async def open_board(self, context: BrowserContext, board_id: int, name: str) -> BoardPage:
        """A new tab on the board, once its live socket is connected; `name` for messages."""
        page = await context.new_page()
        await page.goto(f"/#/boards/{board_id}")
        board = BoardPage(page, board_id, name)
        await board.wait_connected()
        return board

    async def board_as(self, account: Account, board_id: int, **options: Any) -> BoardPage:
        context = await self.signed_in(account, **options)
        return await self.open_board(context, board_id, account.username)

    def _watch(self, page: Page) -> None:
        page.on("pageerror", lambda error: self.page_errors.append(f"{page.url}: {error}"))

        def console(message: ConsoleMessage) -> None:
            # Chromium reports each refusal as a console error ("Refused to ... because it
            # violates the following Content Security Policy directive ...").
            if "Content Security Policy" in message.text:
                self.csp_violations.append(f"{page.url}: {message.text}")

        page.on("console", console)

    async def close(self) -> None:
        for context in self.contexts:
            await context.close()
        self.contexts.clear()


async def screenshot(page: Page, name: str) -> Path:
    """Saved under test-artifacts/screenshots/ on every run (gitignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    await page.screenshot(path=path, animations="disabled", caret="hide")
    return path


async def pixel(page: Page, x: float, y: float) -> tuple[int, int, int]:
    """The colour painted at one point of the viewport (what the user sees there)."""
    png = await page.screenshot(
        clip={"x": x, "y": y, "width": 1, "height": 1}, animations="disabled"
    )
    chunks, offset = {}, 8
    while offset < len(png):
        length = int.from_bytes(png[offset : offset + 4], "big")
        kind = png[offset + 4 : offset + 8]
        chunks[kind] = chunks.get(kind, b"") + png[offset + 8 : offset + 8 + length]
        offset += 12 + length
    # One pixel, one row: every PNG filter leaves the first pixel as it is.
    red, green, blue = zlib.decompress(chunks[b"IDAT"])[1:4]
    return red, green, blue


def configure_expect() -> None:
    expect.set_options(timeout=WAIT_MS)
