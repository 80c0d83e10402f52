"""A viewer sees the board live but has no way to change it: no controls, and keys and drags
do nothing (no request leaves the browser)."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Request, expect

from tests.browser.conftest import MakeAccount
from tests.browser.layouts import put
from tests.browser.propagation import propagate, server_layout
from tests.browser.seed import seed_board
from tests.browser.web import Web
from tests.support.live import create_task

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

EDIT_CONTROLS = (
    '[data-testid^="add-card-"], [data-testid^="card-menu-"], [data-testid^="column-menu-"], '
    '[data-testid="add-column"], [data-testid="board-menu"], [data-testid^="composer-"], '
    'button[data-testid^="column-name-"]'
)


async def test_a_viewer_cannot_change_anything_but_sees_changes_live(
    web: Web, http: httpx.AsyncClient, account: MakeAccount
) -> None:
    owner, viewer = await account("owner"), await account("viewer")
    board = await seed_board(
        http,
        owner,
        "Roadmap",
        [["Pricing page", "Beta invites"], ["Onboarding emails"]],
        members=((viewer, "viewer"),),
    )
    _, doing, _ = board.columns
    tab = await web.board_as(viewer, board.id)
    writes: list[str] = []

    def record(request: Request) -> None:
        if request.method != "GET":
            writes.append(f"{request.method} {request.url}")

    tab.page.on("request", record)
    before = await server_layout(http, owner, board.id)
    seq = (await http.get(f"/api/boards/{board.id}", headers=owner.headers)).json()["seq"]

    await expect(tab.by("read-only-badge")).to_be_visible()
    await expect(tab.page.locator(EDIT_CONTROLS)).to_have_count(0)

    # Keys on a focused card: moves in every direction, Delete, Backspace.
    pricing = board.tasks["Pricing page"]["id"]
    for key in ("Shift+ArrowRight", "Alt+ArrowDown", "Shift+ArrowDown", "Delete", "Backspace"):
        await tab.press_on_card(pricing, key)
    # A drag onto another column.
    await tab.start_drag(pricing, to=tab.card(board.tasks["Onboarding emails"]["id"]), at=0.25)
    await tab.page.mouse.up()
    await expect(tab.by("confirm-dialog")).to_have_count(0)

    # The editor opens read-only: no save or delete, fields cannot be typed into.
    await tab.by(f"card-open-{pricing}").click()
    editor = tab.by("card-editor")
    await expect(editor).to_be_visible()
    await expect(editor).to_contain_text("View only")
    await expect(
        tab.page.locator('[data-testid="editor-save"], [data-testid="editor-delete"]')
    ).to_have_count(0)
    await tab.by("editor-title").press_sequentially("!!")
    await tab.by("editor-title").press("Enter")
    await expect(tab.by("editor-title")).to_have_value("Pricing page")
    await expect(tab.by("editor-assignee")).to_be_disabled()
    await tab.by("editor-cancel").click()
    await expect(editor).to_have_count(0)

    assert await tab.layout() == before
    assert writes == []
    after = (await http.get(f"/api/boards/{board.id}", headers=owner.headers)).json()
    assert after["seq"] == seq

    # Still live: the owner's changes (over REST) show within a second.
    expected = put(before, "Launch checklist", doing)
    await propagate(
        "created by the owner",
        lambda: create_task(http, owner, board.id, "Launch checklist", column_id=doing),
        None,
        [tab],
        expected,
    )
    expected = put(expected, "Pricing page", doing, 0)

    async def move() -> None:
        body = {"column_id": doing, "before_id": board.tasks["Onboarding emails"]["id"]}
        moved = await http.patch(f"/api/tasks/{pricing}", json=body, headers=owner.headers)
        assert moved.status_code == 200, moved.text

    await propagate("moved by the owner", move, None, [tab], expected)
    assert await server_layout(http, owner, board.id) == expected
    assert writes == []
