"""Sign up, sign in and sign out through the UI, and the board list: create, rename, delete.
(The board list screenshot is taken in test_screenshots.py, with shared boards in it.)"""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.browser.web import Web, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]


async def board_id_named(page: Page, name: str) -> int:
    link = page.locator('[data-testid^="board-link-"]', has_text=name)
    await expect(link).to_have_attribute("data-testid", re.compile(r"^board-link-\d+$"))
    return int((await link.get_attribute("data-testid") or "").rsplit("-", 1)[1])


async def create_board(page: Page, name: str) -> int:
    """Create a board from the list: it opens at once; back to the list, its id."""
    await page.get_by_test_id("new-board-name").fill(name)
    await page.get_by_test_id("create-board").click()
    await expect(page).to_have_url(re.compile(r"#/boards/\d+$"))
    await expect(page.get_by_test_id("board-name")).to_have_text(name)
    await expect(page.get_by_test_id("conn-state")).to_have_attribute("data-state", "connected")
    board_id = int(page.url.rsplit("/", 1)[1])
    await page.get_by_test_id("back-to-boards").click()
    assert await board_id_named(page, name) == board_id
    return board_id


async def rest_board_names(http: httpx.AsyncClient, username: str, password: str) -> list[str]:
    token = await http.post("/api/auth/token", data={"username": username, "password": password})
    assert token.status_code == 200, token.text
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    boards = await http.get("/api/boards", headers=headers)
    return sorted(board["name"] for board in boards.json())


async def test_sign_up_sign_in_sign_out_and_manage_boards(
    web: Web, http: httpx.AsyncClient
) -> None:
    username, password = f"dana_{uuid.uuid4().hex[:6]}", "correct horse battery"
    page = await (await web.context()).new_page()

    # Signed out, every route leads to the sign-in form.
    await page.goto("/#/boards")
    await expect(page.get_by_test_id("login-form")).to_be_visible()
    await expect(page).to_have_url(re.compile(r"#/signin$"))
    await screenshot(page, "sign-in")

    await page.get_by_test_id("to-signup").click()
    await page.get_by_test_id("signup-username").fill(username)
    await page.get_by_test_id("signup-email").fill(f"{username}@example.com")
    await page.get_by_test_id("signup-password").fill(password)
    await page.get_by_test_id("signup-submit").click()
    await expect(page.get_by_test_id("boards-empty")).to_be_visible()
    await expect(page.get_by_test_id("current-user").locator(".user-name")).to_have_text(username)

    # Boards: create three, rename one, delete one.
    roadmap = await create_board(page, "Roadmap")
    hiring = await create_board(page, "Hiring")
    sprint = await create_board(page, "Sprint 14")
    await page.get_by_test_id(f"board-menu-{hiring}").click()
    await page.get_by_test_id("menu-rename").click()
    await page.get_by_test_id("prompt-input").fill("Hiring plan 2025")
    await page.get_by_test_id("prompt-ok").click()
    await expect(page.get_by_test_id(f"board-link-{hiring}")).to_contain_text("Hiring plan 2025")
    await page.get_by_test_id(f"board-menu-{sprint}").click()
    await page.get_by_test_id("menu-delete").click()
    await expect(page.get_by_test_id("confirm-dialog")).to_contain_text("Sprint 14")
    await page.get_by_test_id("confirm-ok").click()
    await expect(page.get_by_test_id(f"board-item-{sprint}")).to_have_count(0)
    assert await rest_board_names(http, username, password) == ["Hiring plan 2025", "Roadmap"]

    # A board opens live from the list, with its three default columns.
    await page.get_by_test_id(f"board-link-{roadmap}").click()
    await expect(page.get_by_test_id("board-name")).to_have_text("Roadmap")
    await expect(page.get_by_test_id("conn-state")).to_have_attribute("data-state", "connected")
    await expect(page.locator(".column-name")).to_have_text(["To do", "In progress", "Done"])
    await page.get_by_test_id("back-to-boards").click()
    await expect(page.get_by_test_id("board-list")).to_contain_text("Hiring plan 2025")

    # Sign out, a wrong password, then the right one.
    await page.get_by_test_id("sign-out").click()
    await expect(page.get_by_test_id("auth-message")).to_have_text("You are signed out.")
    stored = "JSON.stringify([Object.entries(sessionStorage), Object.entries(localStorage)])"
    assert await page.evaluate(stored) == "[[],[]]"  # the token was never stored anywhere
    await page.goto("/#/boards")
    await expect(page.get_by_test_id("login-form")).to_be_visible()
    await page.get_by_test_id("login-username").fill(username)
    await page.get_by_test_id("login-password").fill("not the password")
    await page.get_by_test_id("login-submit").click()
    await expect(page.get_by_test_id("auth-message")).to_have_text("Wrong username or password.")
    await page.get_by_test_id("login-password").fill(password)
    await page.get_by_test_id("login-submit").click()
    await expect(page.get_by_test_id("board-list").locator("li")).to_have_count(2)
    await expect(page.get_by_test_id("current-user").locator(".user-name")).to_have_text(username)

    # The session survives a reload of the tab, and a new tab is signed in too.
    await page.reload()
    await expect(page.get_by_test_id(f"board-item-{roadmap}")).to_be_visible()
    other_tab = await page.context.new_page()
    await other_tab.goto("/")
    await expect(other_tab.get_by_test_id(f"board-item-{roadmap}")).to_be_visible()
