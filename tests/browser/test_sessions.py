"""Sessions in the browser: every tab signed in, tokens refreshed in band on a live board by one
tab for all, sign-out reaching every tab and device, replayed refresh credentials, deep links."""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Page, expect

from taskflow.main import create_app
from taskflow.web.session_cookie import REFRESH_COOKIE
from tests.browser.board_page import BoardPage
from tests.browser.conftest import MakeAccount
from tests.browser.web import Web
from tests.conftest import TIMEOUT_UNIT, Account, make_settings, register
from tests.support.databases import SqliteTemplate
from tests.support.live import create_task, new_board
from tests.support.servers import running_server

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

SIGNED_OUT = "You are signed out."
ENDED = "Your session has ended. Please sign in again."


async def refresh_cookie_of(context: BrowserContext) -> str:
    cookies = await context.cookies()
    return next(cookie["value"] for cookie in cookies if cookie["name"] == REFRESH_COOKIE)


async def test_a_second_tab_opened_by_address_is_signed_in_and_live_within_a_second(
    web: Web, http: httpx.AsyncClient, account: MakeAccount
) -> None:
    owner = await account("tabs")
    board = await new_board(http, owner, "Two tabs")
    context = await web.signed_in(owner)
    first = await web.open_board(context, board["id"], "first tab")
    second_page = await context.new_page()
    started = time.monotonic()
    await second_page.goto(f"/#/boards/{board['id']}")
    second = BoardPage(second_page, board["id"], "second tab")
    await second.wait_connected()
    elapsed = time.monotonic() - started
    print(f"second tab, address to live board: {elapsed * 1000:.0f} ms")
    assert elapsed < 1.0 * TIMEOUT_UNIT
    await expect(second.by("current-user")).to_contain_text(owner.username)
    # The token lives in memory only: storage holds nothing but the public profile that lets the
    # browser open offline (client/offline-user.js).
    profile = {"id": owner.id, "username": owner.username}
    for page in (first.page, second_page):
        stored = "JSON.stringify([{...sessionStorage}, {...localStorage}])"
        session_items, local_items = json.loads(await page.evaluate(stored))
        assert session_items == {}
        assert {key: json.loads(value) for key, value in local_items.items()} == {
            "taskflow.offlineUser": profile
        }
    created = await create_task(http, owner, board["id"], "seen by both")
    for tab in (first, second):
        await expect(tab.card(created["id"])).to_be_visible()


async def test_sign_out_in_one_tab_reaches_the_others(
    web: Web, http: httpx.AsyncClient, account: MakeAccount
) -> None:
    owner = await account("signout")
    board = await new_board(http, owner, "Sign out")
    context = await web.signed_in(owner)
    on_board = await web.open_board(context, board["id"], "board tab")
    on_list = await context.new_page()
    await on_list.goto("/#/boards")
    await expect(on_list.get_by_test_id(f"board-item-{board['id']}")).to_be_visible()
    await on_list.get_by_test_id("sign-out").click()
    for page in (on_list, on_board.page):
        await expect(page.get_by_test_id("login-form")).to_be_visible(timeout=1000 * TIMEOUT_UNIT)
        await expect(page.get_by_test_id("auth-message")).to_have_text(SIGNED_OUT)
    # The cookie went with the session: a new tab is signed out too.
    fresh = await context.new_page()
    await fresh.goto("/#/boards")
    await expect(fresh.get_by_test_id("login-form")).to_be_visible()
    # Signing in again in one tab brings the board tab back to its board.
    await on_list.get_by_test_id("login-username").fill(owner.username)
    await on_list.get_by_test_id("login-password").fill(owner.password)
    await on_list.get_by_test_id("login-submit").click()
    await expect(on_board.page).to_have_url(re.compile(rf"#/boards/{board['id']}$"))
    await on_board.wait_connected()


async def test_a_deep_link_opened_signed_out_returns_to_the_board_after_sign_in(
    web: Web, http: httpx.AsyncClient, account: MakeAccount
) -> None:
    owner = await account("deeplink")
    board = await new_board(http, owner, "Deep link")
    page = await (await web.context()).new_page()
    await page.goto(f"/#/boards/{board['id']}")
    await expect(page.get_by_test_id("login-form")).to_be_visible()
    await page.get_by_test_id("login-username").fill(owner.username)
    await page.get_by_test_id("login-password").fill(owner.password)
    await page.get_by_test_id("login-submit").click()
    await expect(page).to_have_url(re.compile(rf"#/boards/{board['id']}$"))
    await BoardPage(page, board["id"], "deep link").wait_connected()


async def test_a_replayed_refresh_credential_revokes_the_family(
    web: Web, http: httpx.AsyncClient, account: MakeAccount
) -> None:
    owner = await account("replay")
    board = await new_board(http, owner, "Replay")
    context = await web.signed_in(owner)
    stolen = await refresh_cookie_of(context)
    tab = await web.open_board(context, board["id"], "victim tab")  # its load rotated the cookie
    assert await refresh_cookie_of(context) != stolen
    http.cookies.clear()
    replayed = await http.post(
        "/api/auth/refresh", headers={"Cookie": f"{REFRESH_COOKIE}={stolen}"}
    )
    assert replayed.status_code == 401
    # The whole family is gone: the tab's socket closes (4401), its refresh fails, it signs out.
    await expect(tab.by("login-form")).to_be_visible(timeout=2000 * TIMEOUT_UNIT)
    await expect(tab.by("auth-message")).to_have_text(ENDED)
    current = await http.post("/api/auth/refresh", headers={"Cookie": f"{REFRESH_COOKIE}={stolen}"})
    assert current.status_code == 401


async def test_sign_out_everywhere_from_the_session_list(
    web: Web, http: httpx.AsyncClient, account: MakeAccount
) -> None:
    owner = await account("everywhere")
    board = await new_board(http, owner, "Everywhere")
    laptop = await web.open_board(await web.signed_in(owner), board["id"], "laptop")
    phone = await web.open_board(await web.signed_in(owner), board["id"], "phone")
    await laptop.by("user-menu").click()
    rows = laptop.by("sessions-list").locator("li")
    await expect(rows).to_have_count(3)  # the laptop, the phone and the API sign-in of the test
    await expect(laptop.by("sessions-list").locator('[data-current="true"]')).to_have_count(1)
    # Sign one device out from the list: the test's own API session (User-Agent python-httpx).
    script = rows.filter(has_text="python-httpx")
    await script.get_by_role("button", name="Sign out").click()
    await expect(rows).to_have_count(2)
    assert (await http.get("/api/users/me", headers=owner.headers)).status_code == 401
    started = time.monotonic()
    await laptop.by("sign-out-everywhere").click()
    await expect(phone.by("login-form")).to_be_visible(timeout=1000 * TIMEOUT_UNIT)
    print(
        f"sign out everywhere to the other device's sign-in form: {time.monotonic() - started:.2f} s"
    )
    await expect(phone.by("auth-message")).to_have_text(ENDED)
    await expect(laptop.by("login-form")).to_be_visible()


# A server of its own with access tokens of six seconds (the stack's last an hour).

TOKEN_SECONDS = 6


@pytest_asyncio.fixture(loop_scope="session")
async def short_lived(
    sqlite_template: SqliteTemplate, tmp_path: Path, browser: Browser
) -> AsyncIterator[tuple[Web, httpx.AsyncClient]]:
    settings = make_settings(
        sqlite_template.fresh_copy(tmp_path), access_token_expire_minutes=TOKEN_SECONDS / 60
    )
    async with (
        running_server(create_app(settings)) as url,
        httpx.AsyncClient(base_url=url, timeout=10 * TIMEOUT_UNIT) as client,
    ):
        session = Web(browser, client, url)
        try:
            yield session, client
        finally:
            await session.close()
        assert not session.page_errors, session.page_errors


async def writer_token(http: httpx.AsyncClient, account: Account) -> dict[str, str]:
    response = await http.post(
        "/api/auth/token", data={"username": account.username, "password": account.password}
    )
    http.cookies.clear()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def test_a_session_outlives_its_access_tokens_with_the_board_live_and_no_event_missed(
    short_lived: tuple[Web, httpx.AsyncClient],
) -> None:
    web, http = short_lived
    owner = await register(http, f"long_{uuid.uuid4().hex[:6]}")
    board = await new_board(http, owner, "Long meeting")
    context = await web.signed_in(owner)
    refreshes: list[float] = []

    def count(request: object) -> None:
        if getattr(request, "url", "").endswith("/api/auth/refresh"):
            refreshes.append(time.monotonic())

    context.on("request", count)
    tabs = [
        await web.open_board(context, board["id"], "tab 1"),
        await web.open_board(context, board["id"], "tab 2"),
    ]
    for tab in tabs:
        await tab.record_connection_states()
    after_open = len(refreshes)
    titles = []
    started = time.monotonic()
    lifetimes = 3
    while time.monotonic() - started < lifetimes * TOKEN_SECONDS:
        title = f"card {len(titles) + 1}"
        response = await http.post(
            f"/api/boards/{board['id']}/tasks",
            json={"title": title},
            headers=await writer_token(http, owner),
        )
        assert response.status_code == 201, response.text
        titles.append(title)
        await asyncio.sleep(1.5)
    for tab in tabs:
        await expect(tab.page.locator(".card-title")).to_have_count(len(titles))
        assert set(await tab.connection_states()) == {"connected"}, "the socket dropped"
        await expect(tab.by("conn-state")).to_have_attribute("data-state", "connected")
    during = refreshes[after_open:]
    gaps = [round(b - a, 2) for a, b in itertools.pairwise(during)]
    print(f"{lifetimes} token lifetimes, two tabs: {len(during)} refreshes, {gaps} s apart")
    # One tab refreshes for both, a third of the lifetime ahead of expiry (every 4 s here):
    # never two refreshes for one expiry.
    assert len(during) >= lifetimes, refreshes
    assert min(gaps) > TOKEN_SECONDS / 2, gaps
    page: Page = tabs[0].page
    await page.reload()
    await BoardPage(page, board["id"], "reloaded").wait_connected()
