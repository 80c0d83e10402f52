"""The main screens on a realistic board, saved to test-artifacts/screenshots/ on every run:
the board list, a board with presence and the activity panel, the card editor, a phone."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from playwright.async_api import expect

from tests.browser.web import PHONE, Web, screenshot
from tests.conftest import Account, register
from tests.support.live import add_member, create_task, new_board

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

# Per column: (title, author, assignee, due in days, description); 0 maya, 1 liam, 2 sofia.
CARDS: list[list[tuple[str, int, int | None, int | None, str]]] = [
    [
        ("Write copy for the pricing page", 0, None, 6, "Three plans, FAQ, comparison table."),
        ("Migrate blog posts to the new CMS", 1, 1, 12, ""),
        ("Cookie banner: legal review", 0, None, None, ""),
        ("Set up redirects for old URLs", 0, 0, None, ""),
        (
            "Responsive navigation",
            1,
            1,
            -1,
            "Collapse to a menu below 720 px; keep search visible.",
        ),
    ],
    [
        ("Hero illustrations", 2, 2, 0, ""),
        ("Image CDN and lazy loading", 0, 0, 2, ""),
        ("Staging environment", 1, 1, None, ""),
    ],
    [
        ("Pick the type scale", 2, 2, None, ""),
        ("Analytics events plan", 0, 0, -6, ""),
    ],
]


def due(days: int | None) -> str | None:
    if days is None:
        return None
    return f"{(date.today() + timedelta(days=days)).isoformat()}T12:00:00+00:00"


async def seed_realistic_board(http: httpx.AsyncClient, team: list[Account]) -> dict[str, Any]:
    """Cards made by three people, then a few later moves and edits, so the activity is varied."""
    maya, liam, sofia = team
    board = await new_board(http, maya, "Website relaunch")
    todo, doing, done = (c["id"] for c in sorted(board["columns"], key=lambda c: c["position"]))
    for member in (liam, sofia):
        await add_member(http, maya, board["id"], member, "editor")
    ids = {}
    for column, cards in zip((todo, doing, done), CARDS, strict=True):
        for title, author, assignee, days, description in cards:
            task = await create_task(
                http,
                team[author],
                board["id"],
                title,
                column_id=column,
                assignee_id=None if assignee is None else team[assignee].id,
                due_date=due(days),
                description=description,
            )
            ids[title] = task["id"]
    later = [
        (liam, "Staging environment", {"column_id": done}),
        (sofia, "Hero illustrations", {"title": "Homepage hero illustrations"}),
        (
            liam,
            "Responsive navigation",
            {"column_id": doing, "before_id": ids["Image CDN and lazy loading"]},
        ),
        (maya, "Cookie banner: legal review", {"due_date": due(3)}),
        (sofia, "Write copy for the pricing page", {"assignee_id": sofia.id}),
    ]
    for who, title, change in later:
        response = await http.patch(f"/api/tasks/{ids[title]}", json=change, headers=who.headers)
        assert response.status_code == 200, response.text
    snapshot = (await http.get(f"/api/boards/{board['id']}", headers=maya.headers)).json()
    return dict(snapshot)


async def test_screenshots_of_the_main_screens(web: Web, http: httpx.AsyncClient) -> None:
    # Fixed, readable names: the stack's database is new for every session.
    team = [await register(http, name) for name in ("maya.chen", "liam.ortiz", "sofia.rossi")]
    maya, liam, sofia = team
    board = await seed_realistic_board(http, team)
    await other_boards(http, maya, liam, sofia)

    # Liam and Sofia have the board open too: three people in the presence list.
    for member in (liam, sofia):
        await web.board_as(member, board["id"])
    tab = await web.board_as(maya, board["id"])
    for member in team:
        await expect(tab.by(f"presence-user-{member.id}")).to_be_visible()
    await tab.by("activity-toggle").click()
    # One entry per event; the newest on top.
    entries = tab.by("activity-list").locator("li.activity-item")
    await expect(entries).to_have_count(board["seq"])
    await expect(entries.first).to_contain_text("assignee: none → sofia.rossi")
    await tab.page.mouse.move(0, 799)  # no hover effects in the picture
    await screenshot(tab.page, "board")

    await tab.by(f"card-open-{await tab.task_id('Responsive navigation')}").click()
    await expect(tab.by("editor-description")).to_have_value(CARDS[0][4][4])
    await expect(tab.by("editor-assignee")).to_have_value(str(liam.id))
    await screenshot(tab.page, "card-editor")
    await tab.by("editor-cancel").click()

    await tab.by("back-to-boards").click()
    await expect(tab.by("board-list").locator("li")).to_have_count(4)
    await screenshot(tab.page, "boards")

    phone = await web.board_as(maya, board["id"], viewport=PHONE)
    await expect(phone.by(f"column-cards-{board['columns'][0]['id']}").locator("li")).to_have_count(
        4
    )
    # The board scrolls sideways inside its own area; the page itself never does.
    assert await phone.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    await screenshot(phone.page, "phone-board")


async def other_boards(
    http: httpx.AsyncClient, maya: Account, liam: Account, sofia: Account
) -> None:
    """Maya's list: her own boards and boards shared with her as editor and as viewer."""
    await new_board(http, maya, "Hiring: frontend engineer")
    marketing = await new_board(http, liam, "Q3 marketing")
    await add_member(http, liam, marketing["id"], maya, "editor")
    support = await new_board(http, sofia, "Support rota")
    await add_member(http, sofia, support["id"], maya, "viewer")


# Labels per card title of CARDS, then comments and checklist items on the card the editor shows.
LABELS = {"Design": "purple", "Content": "blue", "Blocked": "red", "Legal": "orange"}
CARD_LABELS = {
    "Write copy for the pricing page": ["Content"],
    "Cookie banner: legal review": ["Legal", "Blocked"],
    "Responsive navigation": ["Design"],
    "Homepage hero illustrations": ["Design"],
    "Migrate blog posts to the new CMS": ["Content"],
}
COMMENTS = [
    (1, "Menu collapses at 720 px now; search stays in the bar."),
    (2, "Looks good on my phone. Can the menu button be a bit larger?"),
    (1, "Made it 44 px, the size our touch guidelines ask for."),
]
CHECKLIST = [("Breakpoint at 720 px", True), ("Keyboard navigation", True), ("Focus trap", False)]


async def add_card_details(
    http: httpx.AsyncClient, team: list[Account], board: dict[str, Any]
) -> int:
    """Labels on several cards, a conversation and a checklist on "Responsive navigation"."""
    maya = team[0]
    labels = {}
    for name, color in LABELS.items():
        response = await http.post(
            f"/api/boards/{board['id']}/labels",
            json={"name": name, "color": color},
            headers=maya.headers,
        )
        assert response.status_code == 201, response.text
        labels[name] = response.json()["id"]
    ids = {task["title"]: task["id"] for task in board["tasks"]}
    for title, names in CARD_LABELS.items():
        response = await http.patch(
            f"/api/tasks/{ids[title]}",
            json={"label_ids": [labels[name] for name in names]},
            headers=maya.headers,
        )
        assert response.status_code == 200, response.text
    nav = ids["Responsive navigation"]
    for author, body in COMMENTS:
        response = await http.post(
            f"/api/tasks/{nav}/comments", json={"body": body}, headers=team[author].headers
        )
        assert response.status_code == 201, response.text
    for text, done in CHECKLIST:
        response = await http.post(
            f"/api/tasks/{nav}/checklist", json={"text": text}, headers=maya.headers
        )
        assert response.status_code == 201, response.text
        if done:
            ticked = await http.patch(
                f"/api/checklist/{response.json()['id']}", json={"done": True}, headers=maya.headers
            )
            assert ticked.status_code == 200, ticked.text
    return nav


async def test_screenshots_of_labels_comments_checklists_and_the_trash(
    web: Web, http: httpx.AsyncClient
) -> None:
    # Readable names, unique for this stack (the main screenshots' test registers the plain ones).
    suffix = uuid.uuid4().hex[:4]
    team = [await register(http, f"{name}.{suffix}") for name in ("maya", "liam", "sofia")]
    board = await seed_realistic_board(http, team)
    nav = await add_card_details(http, team, board)
    tab = await web.board_as(team[0], board["id"])
    await expect(tab.by(f"card-checklist-{nav}")).to_contain_text("2/3")
    await tab.page.mouse.move(0, 799)
    await screenshot(tab.page, "board-labels")

    await tab.by(f"card-open-{nav}").click()
    await expect(tab.by("comment-list").locator("li.comment")).to_have_count(len(COMMENTS))
    await expect(tab.by("checklist").locator("li")).to_have_count(len(CHECKLIST))
    await screenshot(tab.page, "card-details")
    await tab.by("editor-cancel").click()

    # A card deleted, the "Undo" offer, and the trash panel listing it.
    pricing = await tab.task_id("Write copy for the pricing page")
    await tab.open_card_menu(pricing)
    await tab.by("menu-delete").click()
    await tab.by("confirm-ok").click()
    await expect(tab.by("toast").filter(has_text="Deleted")).to_be_visible()
    await tab.by("trash-toggle").click()
    await expect(tab.by(f"trash-item-task-{pricing}")).to_be_visible()
    await tab.page.mouse.move(0, 799)
    await screenshot(tab.page, "trash")
