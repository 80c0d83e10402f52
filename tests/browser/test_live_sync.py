"""Two users and a second tab on one board: every change made in one tab shows in the others,
in the same column and place, within a second (create, edit, drag across and within columns,
keyboard and menu moves, delete)."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
import pytest
from playwright.async_api import expect

from tests.browser.conftest import MakeAccount
from tests.browser.layouts import put, removed, renamed
from tests.browser.propagation import propagate, server_layout
from tests.browser.seed import seed_board
from tests.browser.web import Web

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]


async def test_every_change_reaches_every_tab_in_the_same_place_within_a_second(
    web: Web, http: httpx.AsyncClient, account: MakeAccount
) -> None:
    alice, bob = await account("alice"), await account("bob")
    board = await seed_board(
        http,
        alice,
        "Launch plan",
        [["Draft spec", "Review API", "Set up CI"], ["Design mockups"]],
        members=((bob, "editor"),),
    )
    todo, doing, done = board.columns
    alice_browser = await web.signed_in(alice)
    a1 = await web.open_board(alice_browser, board.id, "alice tab 1")
    a2 = await web.open_board(alice_browser, board.id, "alice tab 2")
    b = await web.board_as(bob, board.id)
    expected = await server_layout(http, alice, board.id)
    for tab in (a1, a2, b):
        assert await tab.layout() == expected
        # One avatar per person, however many tabs they have open.
        await expect(tab.by("presence")).to_have_attribute("data-count", "2")
        for person in (alice, bob):
            await expect(tab.by(f"presence-user-{person.id}")).to_be_visible()

    # Create (alice, tab 1): the composer's Enter.
    await a1.front()
    await a1.by(f"add-card-{todo}").click()
    await a1.by(f"new-card-title-{todo}").fill("Write launch post")
    expected = put(expected, "Write launch post", todo)
    await propagate("create", lambda: a1.page.keyboard.press("Enter"), a1, [a2, b], expected)
    await a1.page.keyboard.press("Escape")  # close the composer

    # Edit (bob): title, description, assignee and due date in the card editor.
    review = await b.task_id("Review API")
    due = date.today() + timedelta(days=5)
    await b.front()
    await b.by(f"card-open-{review}").click()
    await expect(b.by("card-editor")).to_be_visible()
    await b.by("editor-title").fill("Review public API")
    await b.by("editor-description").fill("Check naming and error shapes.")
    await b.by("editor-assignee").select_option(str(alice.id))
    await b.by("editor-due").fill(due.isoformat())
    expected = renamed(expected, "Review API", "Review public API")
    await propagate("edit", b.by("editor-save").click, b, [a1, a2], expected)
    for tab in (a1, a2, b):
        await expect(tab.by(f"card-assignee-{review}")).to_have_count(1)
        await expect(tab.by(f"card-assignee-{review}").locator(".avatar")).to_have_attribute(
            "title", f"Assigned to {alice.username}"
        )
        await expect(tab.by(f"card-due-{review}")).to_be_visible()

    # Drag to another column (alice, tab 2): onto the upper part of a card lands before it.
    ci, mockups = board.tasks["Set up CI"]["id"], board.tasks["Design mockups"]["id"]
    await a2.start_drag(ci, to=a2.card(mockups), at=0.25)
    expected = put(expected, "Set up CI", doing, 0)
    await propagate("drag across columns", a2.page.mouse.up, a2, [a1, b], expected)

    # Drag within a column (bob): the dragged card takes the hovered card's place.
    spec, post = board.tasks["Draft spec"]["id"], await b.task_id("Write launch post")
    await b.start_drag(spec, to=b.card(post), at=0.5)
    expected = put(expected, "Draft spec", todo, 2)
    await propagate("drag within a column", b.page.mouse.up, b, [a1, a2], expected)

    # Keyboard (alice, tab 1): Shift+Right to the next column at the same height, Alt+Down.
    await a1.front()
    await a1.by(f"card-open-{review}").focus()
    expected = put(expected, "Review public API", doing, 0)
    await propagate(
        "keyboard move right",
        lambda: a1.page.keyboard.press("Shift+ArrowRight"),
        a1,
        [a2, b],
        expected,
    )
    await expect(a1.by(f"card-open-{review}")).to_be_focused()
    expected = put(expected, "Review public API", doing, 1)
    await propagate(
        "keyboard move down",
        lambda: a1.page.keyboard.press("Alt+ArrowDown"),
        a1,
        [a2, b],
        expected,
    )

    # Menu (bob: to another column; alice, tab 2: up).
    await b.open_card_menu(spec)
    expected = put(expected, "Draft spec", done)
    await propagate(
        "menu move to column", b.by(f"menu-move-to-{done}").click, b, [a1, a2], expected
    )
    await a2.open_card_menu(mockups)
    expected = put(expected, "Design mockups", doing, 1)
    await propagate("menu move up", a2.by("menu-move-up").click, a2, [a1, b], expected)

    # Delete: the Delete key (alice, tab 1) and the menu (bob), each confirmed.
    await a1.press_on_card(post, "Delete")
    await expect(a1.by("confirm-dialog")).to_be_visible()
    expected = removed(expected, "Write launch post")
    await propagate("delete by key", a1.by("confirm-ok").click, a1, [a2, b], expected)
    await b.open_card_menu(ci)
    await b.by("menu-delete").click()
    expected = removed(expected, "Set up CI")
    await propagate("delete by menu", b.by("confirm-ok").click, b, [a1, a2], expected)

    assert await server_layout(http, alice, board.id) == expected

    # Bob leaves: alice's tabs see him go.
    await b.page.close()
    for tab in (a1, a2):
        await expect(tab.by(f"presence-user-{bob.id}")).to_have_count(0)
        await expect(tab.by("presence")).to_have_attribute("data-count", "1")
    assert expected == [
        [todo, []],
        [doing, ["Design mockups", "Review public API"]],
        [done, ["Draft spec"]],
    ]
