""" "Undo" in the toast after one's own delete, move and edit: a deleted card comes back at its place
in every tab; an undo after someone else changed the card asks (naming them) instead of
overwriting, and "Overwrite" puts back only what the undone change changed."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import WebSocketRoute, expect

from tests.browser.conftest import MakeAccount
from tests.browser.layouts import put, removed
from tests.browser.propagation import propagate, server_layout
from tests.browser.seed import seed_board
from tests.browser.web import Web

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]


async def test_undo_of_a_delete_brings_the_card_back_at_its_place_in_every_tab(
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
    review = board.tasks["Review API"]["id"]
    alice_browser = await web.signed_in(alice)
    a1 = await web.open_board(alice_browser, board.id, "alice tab 1")
    a2 = await web.open_board(alice_browser, board.id, "alice tab 2")
    b = await web.board_as(bob, board.id)
    before = await server_layout(http, alice, board.id)

    await a1.open_card_menu(review)
    await a1.by("menu-delete").click()
    gone = removed(before, "Review API")
    await propagate("delete", a1.by("confirm-ok").click, a1, [a2, b], gone)

    offer = a1.by("toast").filter(has_text="Deleted “Review API”")
    await expect(offer).to_be_visible()
    await propagate("undo delete", offer.get_by_test_id("toast-undo").click, a1, [a2, b], before)
    assert await server_layout(http, alice, board.id) == before
    # The same card (id), not a copy; in the trash no more.
    for tab in (a1, a2, b):
        await expect(tab.by(f"card-{review}")).to_be_visible()
    trash = (await http.get(f"/api/boards/{board.id}/trash", headers=alice.headers)).json()
    assert [item["object_id"] for item in trash if item["kind"] == "task"] == []

    # A move is undone the same way (here with Ctrl+Z): back between the same neighbours.
    todo, doing, _ = board.columns
    await a2.open_card_menu(review)
    moved = put(before, "Review API", doing)
    await propagate("move", a2.by(f"menu-move-to-{doing}").click, a2, [a1, b], moved)
    await expect(a2.by("toast").filter(has_text="Moved “Review API”")).to_be_visible()
    await propagate("undo move", lambda: a2.page.keyboard.press("Control+z"), a2, [a1, b], before)
    assert (await server_layout(http, alice, board.id))[0] == [
        todo,
        ["Draft spec", "Review API", "Set up CI"],
    ]


async def test_undo_after_someone_else_changed_the_card_asks_instead_of_overwriting(
    web: Web, http: httpx.AsyncClient, account: MakeAccount
) -> None:
    alice, bob = await account("alice"), await account("bob")
    board = await seed_board(
        http, alice, "Release 2.0", [["Write release notes"]], members=((bob, "editor"),)
    )
    notes = board.tasks["Write release notes"]["id"]
    a = await web.board_as(alice, board.id)
    b = await web.board_as(bob, board.id)

    # Alice renames the card; Bob then edits its description in his tab.
    await a.front()
    await a.by(f"card-open-{notes}").click()
    await a.by("editor-title").fill("Release notes for 2.0")
    await a.by("editor-save").click()
    offer = a.by("toast").filter(has_text="Saved “Release notes for 2.0”")
    await expect(offer).to_be_visible()
    await expect(b.by(f"card-title-{notes}")).to_have_text("Release notes for 2.0")
    await b.front()
    await b.by(f"card-open-{notes}").click()
    await b.by("editor-description").fill("Mention the new API.")
    await b.by("editor-save").click()
    await expect(a.by(f"card-{notes}")).to_have_attribute("data-version", "3")

    # Alice's undo asks, naming Bob; "Cancel" leaves both changes as they are.
    await a.front()
    await offer.get_by_test_id("toast-undo").click()
    question = a.by("undo-conflict-dialog")
    await expect(question).to_be_visible()
    await expect(question).to_contain_text(f"{bob.username} changed this card since. Overwrite?")
    await question.get_by_test_id("confirm-cancel").click()
    await expect(question).to_have_count(0)
    task = (await http.get(f"/api/tasks/{notes}", headers=alice.headers)).json()
    assert (task["title"], task["description"], task["version"]) == (
        "Release notes for 2.0",
        "Mention the new API.",
        3,
    )

    # A move, then Bob's rename over REST. "Overwrite" moves the card back and keeps Bob's
    # title: only what the undone change changed is put back.
    todo, doing, _ = board.columns
    await a.open_card_menu(notes)
    await a.by(f"menu-move-to-{doing}").click()
    await expect(a.card(notes)).to_have_attribute("data-column-id", str(doing))
    offer = a.by("toast").filter(has_text="Moved “Release notes for 2.0”")
    await expect(offer).to_be_visible()
    renamed = await http.patch(
        f"/api/tasks/{notes}", json={"title": "Release notes (final)"}, headers=bob.headers
    )
    assert renamed.status_code == 200, renamed.text
    await expect(a.by(f"card-title-{notes}")).to_have_text("Release notes (final)")
    await offer.get_by_test_id("toast-undo").click()
    await expect(question).to_be_visible()
    await expect(question).to_contain_text(f"{bob.username} changed this card since")
    await question.get_by_test_id("confirm-ok").click()
    for tab in (a, b):
        await expect(tab.card(notes)).to_have_attribute("data-column-id", str(todo))
        await expect(tab.by(f"card-title-{notes}")).to_have_text("Release notes (final)")
    task = (await http.get(f"/api/tasks/{notes}", headers=alice.headers)).json()
    assert (task["column_id"], task["title"]) == (todo, "Release notes (final)")


async def test_the_trash_panel_restores_and_a_deleted_board_comes_back_from_the_list(
    web: Web, http: httpx.AsyncClient, account: MakeAccount
) -> None:
    alice, bob = await account("alice"), await account("bob")
    board = await seed_board(
        http, alice, "Q3 marketing", [["Pricing page", "Beta invites"]], members=((bob, "editor"),)
    )
    _, _, done = board.columns
    invites = board.tasks["Beta invites"]["id"]
    a = await web.board_as(alice, board.id)
    b = await web.board_as(bob, board.id)
    before = await server_layout(http, alice, board.id)

    # Bob deletes a card and an empty column; Alice restores both from the trash panel.
    await b.open_card_menu(invites)
    await b.by("menu-delete").click()
    await b.by("confirm-ok").click()
    await b.by(f"column-menu-{done}").click()
    await b.by("menu-delete").click()
    await b.by("confirm-ok").click()
    await expect(a.by(f"column-{done}")).to_have_count(0)
    await a.front()
    await a.by("trash-toggle").click()
    panel = a.by("trash-panel")
    await expect(panel.get_by_test_id(f"trash-item-task-{invites}")).to_contain_text(
        f"Deleted by {bob.username}"
    )
    await panel.get_by_test_id(f"trash-restore-column-{done}").click()
    await propagate(
        "restore from the trash",
        panel.get_by_test_id(f"trash-restore-task-{invites}").click,
        a,
        [b],
        before,
    )
    await expect(panel.get_by_test_id("trash-status")).to_have_text("The trash is empty.")

    # The owner deletes the board (told it is kept 30 days) and restores it from the list.
    await a.by("board-menu").click()
    await a.by("menu-delete").click()
    confirm = a.by("confirm-dialog")
    await expect(confirm).to_contain_text("kept for 30 days")
    await expect(confirm).to_contain_text("the owner can restore it")
    await a.by("confirm-ok").click()
    await expect(a.by("boards-view")).to_be_visible()
    await expect(a.by(f"board-item-{board.id}")).to_have_count(0)
    deleted = a.by(f"deleted-board-{board.id}")
    await expect(deleted).to_contain_text("Q3 marketing")
    await a.by(f"restore-board-{board.id}").click()
    await expect(deleted).to_have_count(0)
    await a.by(f"board-link-{board.id}").click()
    await a.wait_connected()
    assert await a.layout() == before
    bob_boards = (await http.get("/api/boards", headers=bob.headers)).json()
    assert board.id in [item["id"] for item in bob_boards]


class HeldEvents:
    """Between a tab and the server: while `holding`, event frames wait here, in order."""

    def __init__(self) -> None:
        self.holding = False
        self.held: list[str | bytes] = []
        self.tab: WebSocketRoute | None = None

    def route(self, tab: WebSocketRoute) -> None:
        server = tab.connect_to_server()
        self.tab = tab
        tab.on_message(server.send)
        server.on_message(self.from_server)

    def from_server(self, message: str | bytes) -> None:
        assert self.tab is not None
        if self.holding and '"type":"event"' in str(message).replace(" ", ""):
            self.held.append(message)
        else:
            self.tab.send(message)

    def release(self) -> None:
        assert self.tab is not None
        self.holding = False
        for message in self.held:
            self.tab.send(message)
        self.held.clear()


async def test_an_undo_the_server_refuses_with_412_asks_and_names_who_changed_the_card(
    web: Web, http: httpx.AsyncClient, account: MakeAccount
) -> None:
    """The tab has not heard of Bob's change yet: the undo goes out, the server answers 412,
    and the question waits for the event that says who made it."""
    alice, bob = await account("alice"), await account("bob")
    board = await seed_board(
        http, alice, "Release 2.0", [["Write release notes"]], members=((bob, "editor"),)
    )
    notes = board.tasks["Write release notes"]["id"]
    todo, doing, _ = board.columns
    events = HeldEvents()
    context = await web.signed_in(alice)
    await context.route_web_socket("**/ws/boards/**", events.route)
    a = await web.open_board(context, board.id, "alice")

    await a.open_card_menu(notes)
    await a.by(f"menu-move-to-{doing}").click()
    offer = a.by("toast").filter(has_text="Moved “Write release notes”")
    await expect(offer).to_be_visible()
    events.holding = True
    renamed = await http.patch(
        f"/api/tasks/{notes}", json={"title": "Release notes (final)"}, headers=bob.headers
    )
    assert renamed.status_code == 200, renamed.text
    async with a.page.expect_response(lambda response: response.status == 412):
        await offer.get_by_test_id("toast-undo").click()
    events.release()
    question = a.by("undo-conflict-dialog")
    await expect(question).to_contain_text(f"{bob.username} changed this card since. Overwrite?")
    await question.get_by_test_id("confirm-ok").click()
    await expect(a.card(notes)).to_have_attribute("data-column-id", str(todo))
    await expect(a.by(f"card-title-{notes}")).to_have_text("Release notes (final)")
    task = (await http.get(f"/api/tasks/{notes}", headers=alice.headers)).json()
    assert (task["column_id"], task["title"], task["version"]) == (
        todo,
        "Release notes (final)",
        4,
    )
