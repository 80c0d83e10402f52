"""A board opened without a network (issue 22, "opens offline"): the service worker serves the app
shell, IndexedDB the board's last snapshot, marked offline; back online the tab signs in again
through its refresh cookie and catches up. A signed-out browser keeps nothing."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from playwright.async_api import BrowserContext, Page, expect

from tests.browser.board_page import BoardPage, now_ms
from tests.browser.conftest import MakeAccount
from tests.browser.seed import SeededBoard, seed_board
from tests.browser.test_accessibility import axe_violations
from tests.browser.web import WAIT_MS, Web
from tests.conftest import Account
from tests.support.live import create_task

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

OFFLINE_NOTICE = re.compile(
    r"^Offline — showing this board as of .+; changes will sync when you are back online\.$"
)

# What client/offline-db.js keeps for a user: [snapshots, outbox records]. Never creates the
# database (an upgrade here would leave the app an empty one): null when there is none.
_KEPT_FOR_USER_JS = """
async (userId) => {
  const db = await new Promise((resolve) => {
    const request = indexedDB.open('taskflow-offline');
    request.onupgradeneeded = () => request.transaction.abort();
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => resolve(null);
  });
  if (!db) return null;
  try {
    const all = (store) => new Promise((resolve, reject) => {
      const request = db.transaction(store).objectStore(store).index('user').getAll(userId);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    return [await all('snapshots'), await all('outbox')];
  } finally {
    db.close();
  }
}
"""


async def kept_for(page: Page, user: Account) -> list[list[dict[str, Any]]] | None:
    kept: list[list[dict[str, Any]]] | None = await page.evaluate(_KEPT_FOR_USER_JS, user.id)
    return kept


async def wait_until_kept(page: Page, user: Account, predicate: str) -> None:
    """Polls IndexedDB in the page until `predicate` (JS, of `kept`) holds: wait_for_function
    cannot (it takes a returned promise for a truthy value)."""
    script = f"""async ([userId, deadline]) => {{
      const read = {_KEPT_FOR_USER_JS};
      for (;;) {{
        const kept = await read(userId);
        if ({predicate}) return true;
        if (Date.now() > deadline) return JSON.stringify(kept);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }}
    }}"""
    result = await page.evaluate(script, [user.id, now_ms() + WAIT_MS])
    assert result is True, f"{predicate} never held; kept: {result}"


async def ready_for_offline(page: Page, user: Account, board: SeededBoard) -> None:
    """The service worker controls the page and the board's snapshot is kept (it is saved about a
    second after the board loads)."""
    await page.wait_for_function("navigator.serviceWorker.controller !== null")
    await wait_until_kept(
        page, user, f"kept !== null && kept[0].some((record) => record.boardId === {board.id})"
    )


async def open_board_tab(web: Web, context: BrowserContext, board: SeededBoard) -> BoardPage:
    tab = await web.open_board(context, board.id, "board tab")
    await expect(tab.card(next(iter(board.tasks.values()))["id"])).to_be_visible()
    return tab


async def shows_kept_board(tab: BoardPage, board: SeededBoard) -> None:
    await expect(tab.by("offline-notice")).to_have_text(OFFLINE_NOTICE)
    await expect(tab.by("offline-notice")).to_have_attribute("role", "status")
    await expect(tab.by("conn-state")).to_have_attribute("data-state", "offline")
    for task in board.tasks.values():
        await expect(tab.card(task["id"])).to_contain_text(task["title"])
    await expect(tab.by("board-name")).to_have_text("Offline plans")


async def test_a_board_reloaded_without_a_network_shows_its_last_snapshot_marked_offline(
    web: Web, http: httpx.AsyncClient, account: MakeAccount
) -> None:
    owner = await account("offline")
    board = await seed_board(http, owner, "Offline plans", [["Write brief", "Book room"], ["Ship"]])
    context = await web.signed_in(owner)
    tab = await open_board_tab(web, context, board)
    await expect(tab.by("offline-notice")).to_be_hidden()
    list_tab = await context.new_page()  # a second tab: the reloaded one gets its token from it
    await list_tab.goto("/#/boards")
    await expect(list_tab.get_by_test_id(f"board-item-{board.id}")).to_be_visible()
    await ready_for_offline(tab.page, owner, board)

    await context.set_offline(True)
    await tab.page.reload()
    await shows_kept_board(tab, board)
    await expect(tab.by("current-user")).to_contain_text(owner.username)


async def test_nginx_serves_the_service_worker_as_script_never_from_an_http_cache(
    http: httpx.AsyncClient,
) -> None:
    response = await http.get("/sw.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/javascript")
    assert response.headers["cache-control"] == "no-cache"
    assert "script-src 'self'" in response.headers["content-security-policy"]


async def test_a_single_tab_opens_offline_and_catches_up_when_the_network_returns(
    web: Web, http: httpx.AsyncClient, account: MakeAccount
) -> None:
    owner = await account("alone")
    editor = await account("editor")
    board = await seed_board(
        http, owner, "Offline plans", [["Write brief"], ["Review"]], members=((editor, "editor"),)
    )
    context = await web.signed_in(owner)
    tab = await open_board_tab(web, context, board)
    await ready_for_offline(tab.page, owner, board)
    # The token never reaches storage: only the public profile is remembered.
    stored = await tab.page.evaluate("JSON.stringify(localStorage)")
    assert str(owner.id) in stored and owner.username in stored
    assert "token" not in stored.lower()

    await context.set_offline(True)
    await tab.page.reload()  # no other tab to hand over a token, and no server to ask
    await shows_kept_board(tab, board)
    await expect(tab.by("current-user")).to_contain_text(owner.username)
    axe: dict[str, int] = {}
    problems = await axe_violations(tab.page, "board offline", axe)
    # The board list offline: the boards kept here, and a note saying so.
    await tab.by("back-to-boards").click()
    await expect(tab.by("boards-offline")).to_be_visible()
    await expect(tab.by(f"board-link-{board.id}")).to_have_text(re.compile("Offline plans"))
    problems += await axe_violations(tab.page, "board list offline", axe)
    assert not problems, "\n".join(problems)
    await tab.by(f"board-link-{board.id}").click()
    await shows_kept_board(tab, board)

    meanwhile = await create_task(
        http, editor, board.id, "Added while away", column_id=board.columns[0]
    )
    await context.set_offline(False)
    await tab.wait_connected()
    await expect(tab.by("offline-notice")).to_be_hidden()
    await expect(tab.card(meanwhile["id"])).to_contain_text("Added while away")
    await expect(tab.by("current-user")).to_contain_text(owner.username)
    # Live again: a change now arrives over the socket.
    later = await create_task(http, editor, board.id, "Added live", column_id=board.columns[1])
    await expect(tab.card(later["id"])).to_contain_text("Added live")


async def test_a_signed_out_browser_keeps_nothing_and_offline_shows_the_sign_in_form(
    web: Web, http: httpx.AsyncClient, account: MakeAccount
) -> None:
    owner = await account("leaver")
    board = await seed_board(http, owner, "Offline plans", [["Private card"]])
    context = await web.signed_in(owner)
    tab = await open_board_tab(web, context, board)
    await ready_for_offline(tab.page, owner, board)
    kept = await kept_for(tab.page, owner)
    assert kept is not None and len(kept[0]) == 1

    await tab.by("sign-out").click()
    await expect(tab.by("login-form")).to_be_visible()
    await wait_until_kept(
        tab.page, owner, "kept !== null && kept.every((records) => records.length === 0)"
    )
    assert await tab.page.evaluate("localStorage.length") == 0

    await context.set_offline(True)
    await tab.page.goto(f"/#/boards/{board.id}")
    await tab.page.reload()
    await expect(tab.by("login-form")).to_be_visible()
    await expect(tab.by("board-view")).to_have_count(0)
    await expect(tab.page.get_by_text("Private card")).to_have_count(0)
    assert await kept_for(tab.page, owner) == [[], []]
