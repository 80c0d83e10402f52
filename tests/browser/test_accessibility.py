"""Accessibility (issue 22): axe-core finds nothing on any page, menu or dialog, a card moves and opens
by keyboard alone with a visible focus, and other people's changes are announced politely.

axe-core comes from the npm registry, pinned by tests/browser/axe/package-lock.json (`make test`
runs `npm ci` there). It is evaluated in the page through the DevTools protocol, which the page's
Content-Security-Policy does not govern (a <script> tag with its text would be refused).
"""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests.browser.board_page import BoardPage
from tests.browser.conftest import MakeAccount
from tests.browser.seed import seed_board
from tests.browser.web import Web
from tests.conftest import ROOT, TIMEOUT_UNIT
from tests.support.live import create_task, update_task

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

AXE = ROOT / "tests" / "browser" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
AXE_VERSION = "4.14.1"
# WCAG 2.0 and 2.1, levels A and AA, and axe's best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]

_AXE_RUN_JS = """
async (tags) => {
  const results = await axe.run(document, { runOnly: { type: 'tag', values: tags } });
  return {
    version: axe.version,
    passes: results.passes.length,
    violations: results.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target, summary: n.failureSummary })),
    })),
  };
}
"""

# Every non-empty text the page's polite live region takes from now on, with the page's clock.
_RECORD_ANNOUNCEMENTS_JS = """
() => {
  const region = document.getElementById('announcer');
  window.__announced = [];
  new MutationObserver(() => {
    const text = region.textContent.trim();
    if (text) window.__announced.push([text, Date.now()]);
  }).observe(region, { childList: true, characterData: true, subtree: true });
}
"""

# What the focused element paints to show it has focus.
_FOCUS_STYLE_JS = """
() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return {
    testid: el.dataset.testid ?? null,
    focusVisible: el.matches(':focus-visible'),
    outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0,
    boxShadow: style.boxShadow,
  };
}
"""


def axe_source() -> str:
    if not AXE.exists():
        pytest.fail(
            f"no axe-core at {AXE}: run `npm ci --prefix tests/browser/axe` (`make test` does)",
            pytrace=False,
        )
    return AXE.read_text(encoding="utf-8")


async def axe_violations(page: Page, name: str, results: dict[str, int]) -> list[str]:
    """Runs axe-core on what the page shows now; one line per violation, empty when none."""
    if not await page.evaluate("() => typeof window.axe === 'object'"):
        await page.evaluate(axe_source())
    outcome: dict[str, Any] = await page.evaluate(_AXE_RUN_JS, AXE_TAGS)
    assert outcome["version"] == AXE_VERSION, outcome["version"]
    assert outcome["passes"] > 0, f"{name}: axe-core checked nothing"
    results[name] = len(outcome["violations"])
    lines = []
    for violation in outcome["violations"]:
        targets = "; ".join(" ".join(node["target"]) for node in violation["nodes"])
        lines.append(
            f"{name}: {violation['id']} ({violation['impact']}, {len(violation['nodes'])} "
            f"element(s)): {violation['help']}: {targets}"
        )
    return lines


async def test_axe_core_finds_no_violation_on_any_page_or_dialog(
    web: Web, account: MakeAccount
) -> None:
    owner = await account("axe")
    editor = await account("axe_ed")
    seeded = await seed_board(
        web.http,
        owner,
        "Launch",
        [["Launch plan", "Budget"], ["Press kit"], ["Kickoff"]],
        members=((editor, "editor"),),
    )
    budget = seeded.tasks["Budget"]["id"]
    # Issue 18's details on the card the editor opens: a label, a checklist item, a comment.
    label = await web.http.post(
        f"/api/boards/{seeded.id}/labels", json={"name": "Finance", "color": "green"},
        headers=owner.headers,
    )  # fmt: skip
    assert label.status_code == 201, label.text
    await update_task(
        web.http,
        owner,
        budget,
        assignee_id=editor.id,
        due_date="2030-01-15T00:00:00Z",
        description="Numbers for Q1",
        label_ids=[label.json()["id"]],
    )
    for path, body in (("checklist", {"text": "Ask finance"}), ("comments", {"body": "Draft?"})):
        made = await web.http.post(f"/api/tasks/{budget}/{path}", json=body, headers=owner.headers)
        assert made.status_code == 201, made.text
    # A board in the owner's trash: the board list shows it under "Deleted boards".
    gone = await seed_board(web.http, owner, "Old plans", [[]])
    deleted = await web.http.delete(f"/api/boards/{gone.id}", headers=owner.headers)
    assert deleted.status_code == 204, deleted.text
    results: dict[str, int] = {}
    problems: list[str] = []

    anonymous = await (await web.context()).new_page()
    await anonymous.goto("/#/signin")
    await expect(anonymous.get_by_test_id("login-form")).to_be_visible()
    problems += await axe_violations(anonymous, "sign-in", results)
    await anonymous.get_by_test_id("to-signup").click()
    await expect(anonymous.get_by_test_id("signup-form")).to_be_visible()
    problems += await axe_violations(anonymous, "sign-up", results)

    context = await web.signed_in(owner)
    page = await context.new_page()
    await page.goto("/#/boards")
    await expect(page.get_by_test_id(f"board-item-{seeded.id}")).to_be_visible()
    await expect(page.get_by_test_id(f"deleted-board-{gone.id}")).to_be_visible()
    problems += await axe_violations(page, "board list", results)

    await page.goto(f"/#/boards/{seeded.id}")
    board = BoardPage(page, seeded.id, owner.username)
    await board.wait_connected()
    await expect(page.locator("li.card")).to_have_count(4)
    problems += await axe_violations(page, "board with cards", results)

    await board.by(f"card-open-{budget}").click()
    await expect(board.by("card-editor")).to_be_visible()
    await expect(board.by("checklist-progress")).to_have_text("0/1")
    await expect(board.by("comment-list").locator("li")).to_have_count(1)
    problems += await axe_violations(page, "card editor", results)
    await board.by("editor-cancel").click()
    await expect(board.by("card-editor")).to_have_count(0)

    await board.open_card_menu(budget)
    problems += await axe_violations(page, "card menu", results)
    await board.by("menu").get_by_test_id("menu-delete").click()
    await expect(board.by("confirm-dialog")).to_be_visible()
    problems += await axe_violations(page, "confirm dialog", results)
    await board.by("confirm-cancel").click()
    await expect(board.by("confirm-dialog")).to_have_count(0)

    await board.by("board-menu").click()
    await board.by("menu").get_by_test_id("menu-rename").click()
    await expect(board.by("prompt-dialog")).to_be_visible()
    problems += await axe_violations(page, "prompt dialog", results)
    await board.by("prompt-cancel").click()
    await expect(board.by("prompt-dialog")).to_have_count(0)

    await board.by("members-toggle").click()
    await expect(board.by(f"member-{editor.id}")).to_be_visible()
    problems += await axe_violations(page, "members panel", results)

    await board.by("activity-toggle").click()
    await expect(board.by("activity-list").locator("li").first).to_be_visible()
    problems += await axe_violations(page, "activity panel", results)

    await board.by("manage-labels").click()
    await expect(board.by("labels-dialog")).to_be_visible()
    problems += await axe_violations(page, "labels dialog", results)
    await board.by("labels-close").click()
    await expect(board.by("labels-dialog")).to_be_hidden()

    # A card deleted here: its Undo toast (once it has slid in: axe measures contrast as painted,
    # and half-way through the animation it is faded), then the trash panel listing the card.
    kickoff = seeded.tasks["Kickoff"]["id"]
    await board.open_card_menu(kickoff)
    await board.by("menu").get_by_test_id("menu-delete").click()
    await board.by("confirm-ok").click()
    await expect(board.by("toast-undo")).to_be_visible()
    await page.wait_for_function(
        "() => [...document.querySelectorAll('.toast')].every((t) => !t.getAnimations().length)"
    )
    problems += await axe_violations(page, "Undo toast", results)
    await board.by("toast").get_by_role("button", name="Dismiss").click()
    await expect(board.by("toast")).to_have_count(0)
    await board.by("trash-toggle").click()
    trash = board.by("trash-panel")
    await expect(trash.get_by_test_id(f"trash-item-task-{kickoff}")).to_be_visible()
    problems += await axe_violations(page, "trash panel", results)

    await board.by("user-menu").click()
    await expect(board.by("sessions-list")).not_to_have_attribute("aria-busy", "true")
    problems += await axe_violations(page, "sessions dialog", results)

    print(f"axe-core {AXE_VERSION} violations per page: {results}")
    assert not problems, "axe-core violations:\n" + "\n".join(problems)


async def test_a_card_moves_and_opens_by_keyboard_alone_with_a_visible_focus(
    web: Web, account: MakeAccount
) -> None:
    owner = await account("keys")
    seeded = await seed_board(web.http, owner, "Keys", [["Launch plan"], [], []])
    task_id = seeded.tasks["Launch plan"]["id"]
    board = await web.board_as(owner, seeded.id)
    page = board.page
    await board.front()

    # Tab from the top of the page until the card has focus: every stop on the way is reachable.
    await page.locator("body").focus()
    stops = []
    for _ in range(40):
        await page.keyboard.press("Tab")
        testid = await page.evaluate("() => document.activeElement?.dataset.testid ?? null")
        stops.append(testid)
        if testid == f"card-open-{task_id}":
            break
    else:
        raise AssertionError(f"Tab never reached the card; it went through {stops}")
    focus = await page.evaluate(_FOCUS_STYLE_JS)
    print(f"Tab stops to the card: {len(stops)} ({stops}); its focus ring: {focus}")
    assert focus["focusVisible"], focus
    assert focus["outline"] or focus["boxShadow"] not in ("", "none"), (
        f"the focused card shows no focus ring: {focus}"
    )

    # Shift+ArrowRight moves it to the next column; focus stays on it there.
    await page.keyboard.press("Shift+ArrowRight")
    await board.reached_at(
        [[seeded.columns[0], []], [seeded.columns[1], ["Launch plan"]], [seeded.columns[2], []]],
        timeout_ms=5_000 * TIMEOUT_UNIT,
    )
    await expect(board.by(f"card-open-{task_id}")).to_be_focused()
    await expect(board.by("announcer")).to_contain_text("Moved “Launch plan” to In progress")
    # The tab shows a move at once; the server has it when the command's ack comes back.
    deadline = time.monotonic() + 5 * TIMEOUT_UNIT
    while True:
        moved = (await web.http.get(f"/api/tasks/{task_id}", headers=owner.headers)).json()
        if moved["column_id"] == seeded.columns[1] or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.05)
    assert moved["column_id"] == seeded.columns[1], moved
    focus = await page.evaluate(_FOCUS_STYLE_JS)
    assert focus["focusVisible"] and (focus["outline"] or focus["boxShadow"] != "none"), focus

    # Enter opens the editor, Escape closes it and gives focus back to the card.
    await page.keyboard.press("Enter")
    await expect(board.by("card-editor")).to_be_visible()
    await expect(board.by("editor-title")).to_have_value("Launch plan")
    await page.keyboard.press("Escape")
    await expect(board.by("card-editor")).to_have_count(0)
    await expect(board.by(f"card-open-{task_id}")).to_be_focused()


def changes_in(announcement: str) -> int:
    """How many changes one announcement tells: "bob made 4 changes." is 4, a sentence is 1."""
    counts = re.findall(r" made (\d+) changes\.", announcement)
    return sum(map(int, counts)) + len(re.findall(r" made a change\.", announcement)) or 1


async def announcements(page: Page) -> list[str]:
    recorded: list[list[Any]] = await page.evaluate("() => window.__announced")
    return [text for text, _ in recorded]


async def test_other_peoples_changes_are_announced_politely_and_bursts_summed_up(
    web: Web, account: MakeAccount
) -> None:
    owner = await account("ann")
    bob = await account("bob")
    seeded = await seed_board(
        web.http, owner, "Announced", [["Launch plan"], [], []], members=((bob, "editor"),)
    )
    board = await web.board_as(owner, seeded.id)
    page = board.page
    region = board.by("announcer")
    assert await region.get_attribute("aria-live") == "polite"
    await page.evaluate(_RECORD_ANNOUNCEMENTS_JS)

    # One change by bob: told in words once the board has been quiet for a moment.
    launch = seeded.tasks["Launch plan"]["id"]
    await update_task(web.http, bob, launch, column_id=seeded.columns[2])
    await expect(region).to_have_text(f"{bob.username} moved “Launch plan” to Done.")
    assert await announcements(page) == [f"{bob.username} moved “Launch plan” to Done."]
    # The live region, now that it holds text, is no content outside the landmarks either.
    results: dict[str, int] = {}
    problems = await axe_violations(page, "board with an announcement", results)
    assert not problems, "axe-core violations:\n" + "\n".join(problems)

    # A burst of ten: one to three announcements, which between them count all ten.
    await page.evaluate("() => { window.__announced = []; }")
    started = time.monotonic()
    for number in range(10):
        await create_task(web.http, bob, seeded.id, f"Burst {number}", column_id=seeded.columns[0])
    burst_s = time.monotonic() - started
    await expect(page.locator("li.card")).to_have_count(11)
    deadline = time.monotonic() + 10 * TIMEOUT_UNIT
    while sum(map(changes_in, told := await announcements(page))) < 10:
        assert time.monotonic() < deadline, f"the burst was not all told: {told}"
        await asyncio.sleep(0.1)
    await asyncio.sleep(2)  # longer than the quiet window: nothing more comes
    told = await announcements(page)
    print(f"10 remote changes in {burst_s * 1000:.0f} ms: {len(told)} announcement(s): {told}")
    assert 1 <= len(told) <= 3, told
    assert sum(changes_in(text) for text in told) == 10, told

    # The user's own changes are not announced back to them.
    await page.evaluate("() => { window.__announced = []; }")
    await update_task(web.http, owner, launch, title="Launch plan v2")
    await expect(board.by(f"card-title-{launch}")).to_have_text("Launch plan v2")
    await asyncio.sleep(2)
    assert await announcements(page) == []
