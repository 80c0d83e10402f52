"""Edits made while the network is down are kept (IndexedDB), shown as pending in every tab of the
browser, survive a reload, and are replayed once, in order, by one tab when the network is back;
a change whose card moved on meanwhile shows its conflict instead of being applied or dropped."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from typing import Any

import httpx
import pytest
from playwright.async_api import BrowserContext, Page, WebSocket, WebSocketRoute, expect

from taskflow.web.session_cookie import REFRESH_COOKIE
from tests.browser.board_page import BoardPage, now_ms
from tests.browser.conftest import MakeAccount
from tests.browser.measurements import OFFLINE_CONVERGE_MS
from tests.browser.propagation import LIMIT_MS, server_layout
from tests.browser.seed import seed_board
from tests.browser.test_accessibility import axe_violations
from tests.browser.web import PHONE, Web, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

COMMANDS = ("task.", "column.")


class Frames:
    """Every frame a page's board sockets sent and received, across reloads."""

    def __init__(self, page: Page) -> None:
        self.sent: list[tuple[float, dict[str, Any]]] = []  # with when, to merge tabs' in order
        self.received: list[dict[str, Any]] = []
        page.on("websocket", self._watch)

    def _watch(self, socket: WebSocket) -> None:
        socket.on(
            "framesent", lambda payload: self.sent.append((time.monotonic(), _decode(payload)))
        )
        socket.on("framereceived", lambda payload: self.received.append(_decode(payload)))

    def commands(self) -> list[tuple[float, dict[str, Any]]]:
        return [(t, f) for t, f in self.sent if str(f.get("type", "")).startswith(COMMANDS)]

    def event_seqs(self) -> list[int]:
        return [f["seq"] for f in self.received if f.get("type") == "event"]


async def watched_tab(
    browser: BrowserContext, board_id: int, name: str
) -> tuple[BoardPage, Frames]:
    """A tab on the board whose socket frames are recorded from its first one."""
    page = await browser.new_page()
    frames = Frames(page)
    tab = BoardPage(page, board_id, name)
    await page.goto(f"/#/boards/{board_id}")
    await tab.wait_connected()
    return tab, frames


async def go_offline(browser: BrowserContext, *tabs: BoardPage) -> None:
    await browser.set_offline(True)
    for tab in tabs:
        await expect(tab.by("conn-state")).to_have_attribute("data-state", "offline")


def _decode(payload: str | bytes) -> dict[str, Any]:
    try:
        frame = json.loads(payload)
    except ValueError:
        return {}
    return frame if isinstance(frame, dict) else {}


async def test_offline_edits_survive_a_reload_and_replay_once_in_order_with_a_conflict(
    web: Web, http: httpx.AsyncClient, account: MakeAccount
) -> None:
    alice, bob = await account("alice"), await account("bob")
    board = await seed_board(
        http,
        alice,
        "Launch",
        [["Launch plan", "Write docs", "Old idea"], ["Fix login"], []],
        members=((bob, "editor"),),
    )
    todo, doing, done = board.columns
    docs = board.tasks["Write docs"]["id"]
    login = board.tasks["Fix login"]["id"]
    old = board.tasks["Old idea"]["id"]
    start_seq = (await http.get(f"/api/boards/{board.id}", headers=alice.headers)).json()["seq"]

    browser = await web.signed_in(alice)
    first = await browser.new_page()
    second = await browser.new_page()
    frames_a1, frames_a2 = Frames(first), Frames(second)
    a1 = BoardPage(first, board.id, "alice tab 1")
    a2 = BoardPage(second, board.id, "alice tab 2")
    for tab in (a1, a2):
        await tab.page.goto(f"/#/boards/{board.id}")
        await tab.wait_connected()
    b = await web.board_as(bob, board.id)
    frames_b = Frames(b.page)
    await b.page.reload()  # so that its frames are watched from the start
    await b.wait_connected()

    # Offline: five edits in tab 1.
    await go_offline(browser, a1, a2)
    await a1.front()
    await a1.by(f"add-card-{todo}").click()
    await a1.by(f"new-card-title-{todo}").fill("Offline idea")
    await a1.page.keyboard.press("Enter")
    await a1.page.keyboard.press("Escape")
    await a1.by(f"card-open-{docs}").click()
    await a1.by("editor-title").fill("Write the docs")
    await a1.by("editor-save").click()
    await expect(a1.by("card-editor")).to_have_count(0)
    await a1.press_on_card(login, "Shift+ArrowRight")  # In progress -> Done
    await a1.press_on_card(old, "Delete")
    await a1.by("confirm-ok").click()
    await a1.by(f"column-name-{doing}").click()
    await a1.by(f"column-name-input-{doing}").fill("Doing")
    await a1.page.keyboard.press("Enter")

    # Meanwhile bob changes one of the same cards.
    theirs = await http.patch(
        f"/api/tasks/{docs}", json={"title": "Write docs (bob)"}, headers=bob.headers
    )
    assert theirs.status_code == 200, theirs.text

    for tab in (a1, a2):  # the second tab shows the same queue, from IndexedDB
        await expect(tab.by("outbox-status")).to_have_text("5 changes waiting to sync")
        await expect(tab.by(f"card-sync-{docs}")).to_have_text("Waiting to sync")
        await expect(tab.by(f"card-sync-{old}")).to_have_text("Will be deleted when back online")
        await expect(tab.by(f"column-name-{doing}")).to_have_text("Doing")
        await expect(tab.page.locator(".card.sync-pending", has_text="Offline idea")).to_have_count(
            1
        )
    await screenshot(a1.page, "offline-pending")
    axe: dict[str, int] = {}
    problems = await axe_violations(a1.page, "board with offline changes", axe)

    # A reload while still offline keeps every pending change.
    await a1.page.reload()
    await expect(a1.by("board-name")).to_have_text("Launch")
    await expect(a1.by("outbox-status")).to_have_text("5 changes waiting to sync")
    await expect(a1.by(f"card-title-{docs}")).to_have_text("Write the docs")
    await expect(a1.card(login)).to_have_attribute("data-column-id", str(done))
    await expect(a1.page.locator(".card.sync-pending", has_text="Offline idea")).to_have_count(1)
    assert not frames_a1.commands() and not frames_a2.commands(), "sent while offline"

    # Back online: bob sees the four edits that do not conflict within a second.
    expected = [
        [todo, ["Launch plan", "Write docs (bob)", "Offline idea"]],
        [doing, []],
        [done, ["Fix login"]],
    ]
    started = now_ms()
    await browser.set_offline(False)
    shown_at = await b.reached_at(expected, 5 * LIMIT_MS)
    await expect(b.by(f"column-name-{doing}")).to_have_text("Doing")
    converged = shown_at - started
    OFFLINE_CONVERGE_MS.append(converged)
    assert converged < LIMIT_MS, f"bob saw the replay after {converged:.0f} ms"

    # The fifth shows its conflict, with both values, in both of alice's tabs.
    for tab in (a1, a2):
        box = tab.by(f"conflict-card-{docs}")
        await expect(box).to_be_visible()
        await expect(tab.by(f"conflict-values-card-{docs}")).to_contain_text("Write the docs")
        await expect(tab.by(f"conflict-values-card-{docs}")).to_contain_text("Write docs (bob)")
        await expect(tab.by("outbox-status")).to_have_text("1 conflict to resolve")
    await screenshot(a1.page, "offline-conflict")
    problems += await axe_violations(a1.page, "board with an offline conflict", axe)
    assert not problems, "axe-core violations:\n" + "\n".join(problems)
    print(f"axe-core violations: {axe}")
    await a1.front()
    await a1.by(f"keep-mine-card-{docs}").click()
    await expect(b.by(f"card-title-{docs}")).to_have_text("Write the docs")
    for tab in (a1, a2):
        await expect(tab.by("outbox-status")).to_be_hidden()
        await expect(tab.by(f"card-title-{docs}")).to_have_text("Write the docs")
    task = (await http.get(f"/api/tasks/{docs}", headers=alice.headers)).json()
    assert (task["title"], task["version"]) == ("Write the docs", 3)

    # Exactly once, in order: the server's log, and what every tab received.
    final = (await http.get(f"/api/boards/{board.id}", headers=alice.headers)).json()
    assert final["seq"] == start_seq + 1 + 5, "bob's edit and alice's five, nothing more"
    assert await server_layout(http, alice, board.id) == [
        [todo, ["Launch plan", "Write the docs", "Offline idea"]],
        [doing, []],
        [done, ["Fix login"]],
    ]
    sent = [frame for _, frame in sorted(frames_a1.commands() + frames_a2.commands())]
    assert Counter(f["ref"] for f in sent).most_common(1)[0][1] == 1, "a change was sent twice"
    assert [f["type"] for f in sent] == [
        "task.create",
        "task.update",  # the conflict
        "task.update",
        "task.delete",
        "column.update",
        "task.update",  # keep mine
    ]
    every = list(range(start_seq + 1, final["seq"] + 1))
    for name, frames in (("bob", frames_b), ("alice tab 1", frames_a1), ("alice tab 2", frames_a2)):
        assert frames.event_seqs() == every, f"{name} received {frames.event_seqs()}, not {every}"
    names = [
        f["name"]
        for f in frames_b.received
        if f.get("type") == "event" and f["seq"] > start_seq + 1
    ]
    assert names == [
        "task.created",
        "task.updated",
        "task.deleted",
        "column.updated",
        "task.updated",
    ], names


class LoseOneAck:
    """Between a tab and the server: the first `ack` of a command is swallowed and the socket
    closed, as if the network dropped after the server committed but before the answer arrived."""

    def __init__(self) -> None:
        self.armed = False
        self.lost: list[str] = []

    def route(self, tab: WebSocketRoute) -> None:
        server = tab.connect_to_server()
        tab.on_message(server.send)

        def from_server(message: str | bytes) -> None:
            frame = _decode(message)
            if self.armed and frame.get("type") == "ack":
                self.armed = False
                self.lost.append(str(frame.get("ref")))
                asyncio.get_running_loop().create_task(tab.close(code=4000))
                return
            tab.send(message)

        server.on_message(from_server)


async def test_a_replay_whose_answer_was_lost_is_sent_again_and_applied_once(
    web: Web, http: httpx.AsyncClient, account: MakeAccount
) -> None:
    alice = await account("alice")
    board = await seed_board(http, alice, "Launch", [["Launch plan"]])
    todo = board.columns[0]
    acks = LoseOneAck()
    browser = await web.signed_in(alice)
    await browser.route_web_socket("**/ws/boards/**", acks.route)
    tab, frames = await watched_tab(browser, board.id, "alice")
    page = tab.page
    await go_offline(browser, tab)
    await tab.by(f"add-card-{todo}").click()
    await tab.by(f"new-card-title-{todo}").fill("Made once")
    await page.keyboard.press("Enter")
    await expect(tab.by("outbox-status")).to_have_text("1 change waiting to sync")

    acks.armed = True
    await browser.set_offline(False)
    await expect(tab.by("outbox-status")).to_be_hidden()
    await expect(page.locator("li.card", has_text="Made once")).to_have_count(1)
    assert await tab.task_id("Made once") > 0

    creates = [f for _, f in frames.commands() if f["type"] == "task.create"]
    assert len(acks.lost) == 1 and len(creates) == 2, (acks.lost, creates)
    assert {f["ref"] for f in creates} == set(acks.lost), "the second send reuses the ref"
    snapshot = (await http.get(f"/api/boards/{board.id}", headers=alice.headers)).json()
    assert [t["title"] for t in snapshot["tasks"]].count("Made once") == 1


async def test_cards_added_offline_move_and_delete_and_two_edits_of_a_card_are_one_decision(
    web: Web, http: httpx.AsyncClient, account: MakeAccount
) -> None:
    alice, bob = await account("alice"), await account("bob")
    board = await seed_board(http, alice, "Launch", [["Launch plan"]], members=((bob, "editor"),))
    _, doing, done = board.columns
    plan = board.tasks["Launch plan"]["id"]
    browser = await web.signed_in(alice)
    tab, frames = await watched_tab(browser, board.id, "alice")
    page = tab.page
    await go_offline(browser, tab)
    await tab.by(f"add-card-{done}").click()
    for title in ("Keep me", "Drop me"):
        await tab.by(f"new-card-title-{done}").fill(title)
        await page.keyboard.press("Enter")
    await page.keyboard.press("Escape")
    keep, drop = await tab.task_id("Keep me"), await tab.task_id("Drop me")
    assert keep < 0 and drop < 0, "not yet on the server: temporary ids"
    await tab.press_on_card(drop, "Delete")
    await expect(tab.by("confirm-dialog")).to_contain_text("added offline and not sent yet")
    await tab.by("confirm-ok").click()
    await expect(tab.card(drop)).to_have_count(0)
    await tab.press_on_card(keep, "Shift+ArrowLeft")
    await expect(tab.card(keep)).to_have_attribute("data-column-id", str(doing))
    for title in ("Plan v1", "Plan v2"):  # two edits of one card: one queued change
        await tab.by(f"card-open-{plan}").click()
        await tab.by("editor-title").fill(title)
        await tab.by("editor-save").click()
        await expect(tab.by("card-editor")).to_have_count(0)
    await expect(tab.by("outbox-status")).to_have_text("3 changes waiting to sync")
    moved = await http.patch(f"/api/tasks/{plan}", json={"column_id": doing}, headers=bob.headers)
    assert moved.status_code == 200, moved.text
    # The column "Keep me" was added to (and left) is gone by the time it is sent.
    gone = await http.delete(f"/api/columns/{done}", headers=bob.headers)
    assert gone.status_code == 204, gone.text

    await browser.set_offline(False)
    values = tab.by(f"conflict-values-card-{plan}")
    await expect(values).to_contain_text("Plan v2")  # what the user last saw
    await expect(values).to_contain_text("In progress")  # what bob changed
    await tab.by(f"take-theirs-card-{plan}").click()
    await expect(tab.by(f"card-open-{plan}")).to_be_focused()  # not lost with the box
    await expect(tab.by("outbox-status")).to_be_hidden()
    await expect(tab.by(f"card-title-{plan}")).to_have_text("Launch plan")

    snapshot = (await http.get(f"/api/boards/{board.id}", headers=alice.headers)).json()
    cards = {t["title"]: t for t in snapshot["tasks"]}
    assert set(cards) == {"Launch plan", "Keep me"}, "the card deleted offline was never sent"
    assert cards["Keep me"]["column_id"] == doing
    assert cards["Launch plan"]["version"] == 2, "taking theirs sent nothing"
    sent = [f["type"] for _, f in frames.commands()]
    assert sent == ["task.create", "task.update", "task.update"], sent


async def test_a_sign_out_made_offline_asks_about_waiting_changes_and_ends_the_session_once_online(
    web: Web, http: httpx.AsyncClient, account: MakeAccount
) -> None:
    alice = await account("alice")
    board = await seed_board(http, alice, "Launch", [["Launch plan"]])
    browser = await web.signed_in(alice)
    tab = await web.open_board(browser, board.id, "alice")
    (secret,) = [c["value"] for c in await browser.cookies() if c["name"] == REFRESH_COOKIE]
    await go_offline(browser, tab)
    await tab.by(f"add-card-{board.columns[0]}").click()
    await tab.by(f"new-card-title-{board.columns[0]}").fill("Not sent")
    await tab.page.keyboard.press("Enter")
    await expect(tab.by("outbox-status")).to_have_text("1 change waiting to sync")

    # The board list says where changes wait; signing out asks before discarding them.
    await tab.by("back-to-boards").click()
    await expect(tab.by(f"board-outbox-{board.id}")).to_contain_text(
        "1 change made offline waiting to sync"
    )
    await tab.by("sign-out").click()
    question = tab.by("sign-out-discard-dialog")
    await expect(question).to_contain_text("1 change made offline has not reached the server")
    await question.get_by_test_id("confirm-cancel").click()
    await expect(tab.by("current-user")).to_be_visible()
    await tab.by("sign-out").click()
    await question.get_by_test_id("confirm-ok").click()
    await expect(tab.by("login-form")).to_be_visible()

    await browser.set_offline(False)
    again = await browser.new_page()
    await again.goto(f"/#/boards/{board.id}")
    await expect(again.get_by_test_id("login-form")).to_be_visible()
    assert REFRESH_COOKIE not in {c["name"] for c in await browser.cookies()}
    refreshed = await http.post(
        "/api/auth/refresh", headers={"Cookie": f"{REFRESH_COOKIE}={secret}"}
    )
    assert refreshed.status_code == 401, "the session signed out offline is still alive"


async def test_on_a_phone_the_board_list_shown_offline_turns_live_when_the_network_returns(
    web: Web, http: httpx.AsyncClient, account: MakeAccount
) -> None:
    alice = await account("alice")
    board = await seed_board(http, alice, "Launch", [["Launch plan"]])
    browser = await web.signed_in(alice, viewport=PHONE)
    tab = await web.open_board(browser, board.id, "alice")
    axe: dict[str, int] = {}
    problems = await axe_violations(tab.page, "board on a phone", axe)
    await go_offline(browser, tab)
    await tab.by("back-to-boards").click()
    await expect(tab.by("boards-offline")).to_be_visible()
    await expect(tab.by(f"board-menu-{board.id}")).to_have_count(0)
    problems += await axe_violations(tab.page, "board list offline on a phone", axe)
    assert not problems, "axe-core violations:\n" + "\n".join(problems)

    await browser.set_offline(False)
    await expect(tab.by("boards-offline")).to_be_hidden()
    await expect(tab.by(f"board-menu-{board.id}")).to_be_visible()
