"""The card editor edits against the version it opened: a change saved meanwhile in another tab is
announced while editing, and saving then shows the conflict with the current values."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import expect

from tests.browser.conftest import MakeAccount
from tests.browser.layouts import renamed
from tests.browser.propagation import propagate, server_layout
from tests.browser.seed import seed_board
from tests.browser.web import Web, pixel, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

THEIRS = "Release notes: final wording"
MINE = "Release notes for 2.0"


async def test_a_save_against_an_older_version_shows_the_conflict_and_the_current_value(
    web: Web, http: httpx.AsyncClient, account: MakeAccount
) -> None:
    alice = await account("alice")
    board = await seed_board(
        http, alice, "Release 2.0", [["Write release notes", "Tag the release"], ["Fix login bug"]]
    )
    notes = board.tasks["Write release notes"]["id"]
    browser = await web.signed_in(alice)
    tab_a = await web.open_board(browser, board.id, "tab A")
    tab_b = await web.open_board(browser, board.id, "tab B")

    await tab_a.front()
    await tab_a.by(f"card-open-{notes}").click()
    await expect(tab_a.by("card-editor")).to_have_attribute("data-task-id", str(notes))
    await tab_a.by("editor-title").fill(MINE)

    await tab_b.front()
    await tab_b.by(f"card-open-{notes}").click()
    await tab_b.by("editor-title").fill(THEIRS)
    await tab_b.by("editor-save").click()
    await expect(tab_b.by("card-editor")).to_have_count(0)

    # Tab A hears of it while the dialog is open, and keeps the draft.
    await tab_a.front()
    notice = tab_a.by("editor-notice")
    await expect(notice).to_be_visible()
    await expect(notice).to_have_attribute("data-kind", "changed")
    await expect(notice).to_contain_text("Changed by you (in another window) (title)")
    await expect(tab_a.by("editor-title")).to_have_value(MINE)
    await expect(tab_a.by(f"card-title-{notes}")).to_have_text(THEIRS)

    # Saving anyway is refused (412): the editor shows what the card holds now.
    await tab_a.by("editor-save").click()
    conflict = tab_a.by("editor-conflict")
    await expect(conflict).to_be_visible()
    await expect(tab_a.by("editor-conflict-values")).to_contain_text(THEIRS)
    await expect(tab_a.by("editor-title")).to_have_value(MINE)
    toast = tab_a.by("toast").filter(has_text=THEIRS)
    await expect(toast).to_have_attribute("data-kind", "conflict")
    await screenshot(tab_a.page, "conflict")
    task = (await http.get(f"/api/tasks/{notes}", headers=alice.headers)).json()
    assert (task["title"], task["version"]) == (THEIRS, 2)

    # "Overwrite with mine" saves against the current version; tab B shows it at once.
    expected = renamed(await server_layout(http, alice, board.id), THEIRS, MINE)
    await propagate(
        "overwrite after conflict", tab_a.by("editor-overwrite").click, tab_a, [tab_b], expected
    )
    await expect(tab_a.by("card-editor")).to_have_count(0)
    task = (await http.get(f"/api/tasks/{notes}", headers=alice.headers)).json()
    assert (task["title"], task["version"]) == (MINE, 3)


async def test_the_conflict_toast_shows_above_the_reopened_editor(
    web: Web, http: httpx.AsyncClient, account: MakeAccount
) -> None:
    """Toasts belong above dialogs (toast.js re-shows its popover for that). After a 412 the
    editor reopens as a modal: a plain spot of the toast, beside the dialog, must show the
    toast's own colour, not the colour dimmed by the modal's backdrop."""
    alice = await account("alice")
    board = await seed_board(http, alice, "Release 2.0", [["Write release notes"]])
    notes = board.tasks["Write release notes"]["id"]
    tab = await web.board_as(alice, board.id)
    await tab.by(f"card-open-{notes}").click()
    await tab.by("editor-title").fill(MINE)
    changed = await http.patch(f"/api/tasks/{notes}", json={"title": THEIRS}, headers=alice.headers)
    assert changed.status_code == 200, changed.text
    await expect(tab.by("editor-notice")).to_be_visible()
    await tab.by("editor-save").click()
    await expect(tab.by("editor-conflict")).to_be_visible()

    toast = tab.by("toast").filter(has_text=THEIRS)
    await expect(toast).to_have_attribute("data-kind", "conflict")
    await toast.evaluate("(el) => Promise.all(el.getAnimations().map((a) => a.finished))")
    box = await toast.bounding_box()
    assert box is not None
    shown = await pixel(tab.page, box["x"] + box["width"] - 20, box["y"] + box["height"] - 6)
    own = await toast.evaluate("(el) => getComputedStyle(el).backgroundColor")
    assert f"rgb({shown[0]}, {shown[1]}, {shown[2]})" == own, (
        f"the conflict toast is dimmed under the reopened editor's backdrop: {shown}, not {own}"
    )
