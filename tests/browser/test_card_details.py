"""Labels, comments and checklists made in one user's tab show in another user's tab at once: on the
card (label chips, comment count, done/total) and in that user's open card editor; the filter bar
narrows the board to the cards with a label."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import expect

from tests.browser.conftest import MakeAccount
from tests.browser.seed import seed_board
from tests.browser.web import Web, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]


async def test_a_label_a_comment_and_a_checklist_item_show_in_another_users_tab(
    web: Web, http: httpx.AsyncClient, account: MakeAccount
) -> None:
    alice, bob = await account("alice"), await account("bob")
    board = await seed_board(
        http,
        alice,
        "Launch plan",
        [["Write launch post", "Set up CI"]],
        members=((bob, "editor"),),
    )
    post, ci = board.tasks["Write launch post"]["id"], board.tasks["Set up CI"]["id"]
    a = await web.board_as(alice, board.id)
    b = await web.board_as(bob, board.id)

    # Alice makes a label in the card editor, puts it on the card and saves.
    await a.front()
    await a.by(f"card-open-{post}").click()
    await a.by("new-label-name").fill("Urgent")
    await a.by("new-label-color").select_option("red")
    await a.by("create-label").click()
    toggle = a.by("label-picker").get_by_role("button", name="Urgent")
    await expect(toggle).to_have_attribute("aria-pressed", "true")
    await a.by("editor-save").click()
    labels = (await http.get(f"/api/boards/{board.id}/labels", headers=alice.headers)).json()
    urgent = next(label["id"] for label in labels if label["name"] == "Urgent")
    for tab in (a, b):
        chip = tab.by(f"card-label-{post}-{urgent}")
        await expect(chip).to_contain_text("Urgent")
        await expect(chip).to_have_class("label-chip label-red")

    # Bob filters his board by the label: only that card is left; clearing shows both again.
    await b.front()
    await b.by(f"filter-label-{urgent}").click()
    await expect(b.by(f"card-{ci}")).to_have_count(0)
    await expect(b.by(f"card-{post}")).to_be_visible()
    await expect(b.by("filter-count")).to_have_text("1 of 2 cards")
    await b.by("filter-clear").click()
    await expect(b.by(f"card-{ci}")).to_be_visible()
    await expect(a.by(f"card-{ci}")).to_be_visible()  # never filtered in another tab

    # Both open the card; Bob comments and adds a checklist item; Alice sees both at once.
    await a.front()
    await a.by(f"card-open-{post}").click()
    await expect(a.by("comments-status")).to_have_text("No comments yet.")
    await b.front()
    await b.by(f"card-open-{post}").click()
    await b.by("comment-input").fill("Draft is in the shared folder.")
    await b.by("comment-add").click()
    await b.by("checklist-input").fill("Proofread")
    await b.by("checklist-input").press("Enter")
    comment = a.by("comment-list").locator("li.comment")
    await expect(comment).to_have_count(1)
    await expect(comment).to_contain_text(bob.username)
    await expect(comment).to_contain_text("Draft is in the shared folder.")
    await expect(comment.locator("time")).to_have_text("just now")
    item = a.by("checklist").locator("li.checklist-item")
    await expect(item).to_have_count(1)
    await expect(item).to_contain_text("Proofread")
    await expect(a.by("checklist-progress")).to_have_text("0/1")
    for tab in (a, b):
        await expect(tab.by(f"card-comments-{post}")).to_contain_text("1")
        await expect(tab.by(f"card-checklist-{post}")).to_contain_text("0/1")

    # Alice only sees Bob's comment; she may delete it as the owner, not edit it.
    comment_id = int((await comment.get_attribute("data-testid") or "").rsplit("-", 1)[1])
    await expect(a.by(f"comment-edit-{comment_id}")).to_have_count(0)
    await expect(a.by(f"comment-delete-{comment_id}")).to_be_visible()
    # Bob edits his own comment; Alice's editor shows the new text.
    await b.by(f"comment-edit-{comment_id}").click()
    await b.by(f"comment-edit-input-{comment_id}").fill("Draft is in the launch folder.")
    await b.by(f"comment-save-{comment_id}").click()
    await expect(a.by(f"comment-body-{comment_id}")).to_have_text("Draft is in the launch folder.")
    await expect(comment).to_contain_text("edited")

    # Alice ticks the item and adds another, then moves it up with the keyboard: Bob follows.
    await a.front()
    item_id = int((await item.get_attribute("data-testid") or "").rsplit("-", 1)[1])
    await a.by(f"checklist-done-{item_id}").check()
    await a.by("checklist-input").fill("Pick a header image")
    await a.by("checklist-add").click()
    b_items = b.by("checklist").locator("li.checklist-item .checklist-text")
    await expect(b_items).to_have_text(["Proofread", "Pick a header image"])
    await expect(b.by(f"checklist-done-{item_id}")).to_be_checked()
    await expect(a.by("checklist").locator("li.checklist-item")).to_have_count(2)
    newest_item = a.by("checklist").locator("li.checklist-item").last
    newest_id = int((await newest_item.get_attribute("data-testid") or "").rsplit("-", 1)[1])
    newest = a.by(f"checklist-done-{newest_id}")
    await newest.focus()
    await a.page.keyboard.press("Alt+ArrowUp")
    await expect(b_items).to_have_text(["Pick a header image", "Proofread"])
    await expect(newest).to_be_focused()
    for tab in (a, b):
        await expect(tab.by(f"card-checklist-{post}")).to_contain_text("1/2")
        await expect(tab.by("checklist-progress")).to_have_text("1/2")
    # Bob renames an item (Enter saves); Alice's editor shows the new text.
    await b.front()
    await b.by(f"checklist-rename-{item_id}").click()
    await b.by(f"checklist-rename-input-{item_id}").fill("Proofread twice")
    await b.by(f"checklist-rename-input-{item_id}").press("Enter")
    await expect(a.by(f"checklist-text-{item_id}")).to_have_text("Proofread twice")
    await expect(b.by("card-editor")).to_be_visible()  # Enter did not save and close the card

    # Alice, the owner, deletes Bob's comment: gone in Bob's editor, back for both on "Undo".
    await a.by(f"comment-delete-{comment_id}").click()
    await expect(b.by(f"comment-{comment_id}")).to_have_count(0)
    await expect(b.by(f"card-comments-{post}")).to_have_count(0)
    await a.by("toast").filter(has_text="Comment deleted").get_by_test_id("toast-undo").click()
    for tab in (a, b):
        await expect(tab.by(f"comment-body-{comment_id}")).to_have_text(
            "Draft is in the launch folder."
        )
        await expect(tab.by(f"card-comments-{post}")).to_contain_text("1")

    task = (await http.get(f"/api/tasks/{post}", headers=alice.headers)).json()
    assert (task["label_ids"], task["comment_count"]) == ([urgent], 1)
    assert (task["checklist_total"], task["checklist_done"]) == (2, 1)

    # Bob renames the label in "Edit labels" (Alice's card shows it), then deletes it: it is
    # taken off the card in both tabs, without changing the card's version.
    await b.by("editor-cancel").click()
    await b.by("manage-labels").click()
    await b.by(f"label-name-{urgent}").fill("Blocker")
    await b.by(f"label-name-{urgent}").press("Enter")
    await expect(a.by(f"card-label-{post}-{urgent}")).to_contain_text("Blocker")
    await screenshot(b.page, "labels-dialog")
    await b.by(f"label-delete-{urgent}").click()
    await expect(b.by("confirm-dialog")).to_contain_text("It is taken off 1 card.")
    await b.by("confirm-ok").click()
    for tab in (a, b):
        await expect(tab.by(f"card-labels-{post}")).to_have_count(0)
    await expect(b.by("labels-list")).to_contain_text("No labels yet.")
    task = (await http.get(f"/api/tasks/{post}", headers=alice.headers)).json()
    assert task["label_ids"] == []

    # The activity panel says it in words.
    await a.front()
    await a.by("editor-cancel").click()
    await a.by("activity-toggle").click()
    feed = a.by("activity-list")
    await expect(feed).to_contain_text(f"{bob.username} commented on card “Write launch post”")
    await expect(feed).to_contain_text(f"{alice.username} restored a comment on card")
    await expect(feed).to_contain_text(f"{bob.username} deleted label “Blocker”")
    await screenshot(a.page, "activity-card-details")


async def test_a_viewer_reads_labels_comments_and_the_checklist_but_changes_nothing(
    web: Web, http: httpx.AsyncClient, account: MakeAccount
) -> None:
    owner, viewer = await account("owner"), await account("viewer")
    board = await seed_board(
        http, owner, "Roadmap", [["Pricing page"]], members=((viewer, "viewer"),)
    )
    card = board.tasks["Pricing page"]["id"]
    label = await http.post(
        f"/api/boards/{board.id}/labels",
        json={"name": "Q3", "color": "teal"},
        headers=owner.headers,
    )
    assert label.status_code == 201, label.text
    for response in (
        await http.patch(
            f"/api/tasks/{card}", json={"label_ids": [label.json()["id"]]}, headers=owner.headers
        ),
        await http.post(
            f"/api/tasks/{card}/comments", json={"body": "Ship it"}, headers=owner.headers
        ),
        await http.post(
            f"/api/tasks/{card}/checklist", json={"text": "Copy"}, headers=owner.headers
        ),
    ):
        assert response.status_code in (200, 201), response.text
    tab = await web.board_as(viewer, board.id)
    await expect(tab.by(f"card-labels-{card}")).to_contain_text("Q3")
    await tab.by(f"card-open-{card}").click()
    await expect(tab.by("comment-list")).to_contain_text("Ship it")
    await expect(tab.by("checklist")).to_contain_text("Copy")
    editor = tab.by("card-editor")
    await expect(editor.locator("input[type=checkbox]")).to_be_disabled()
    for control in ("comment-input", "checklist-input", "new-label-name"):
        await expect(tab.by(control)).to_have_count(0)
    await expect(editor.locator('[data-testid^="comment-delete-"]')).to_have_count(0)
    await expect(editor.locator('[data-testid^="label-toggle-"]')).to_have_count(0)
    await expect(tab.by("manage-labels")).to_be_hidden()
