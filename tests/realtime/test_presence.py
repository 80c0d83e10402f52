"""Presence: one entry per user however many tabs, sent to everyone when the set changes."""

from __future__ import annotations

import httpx

from tests.conftest import Account, register
from tests.support.live import add_member, join, new_board


def ids(frame: dict) -> list[int]:  # type: ignore[type-arg]
    return [user["id"] for user in frame["users" if frame["type"] == "presence" else "presence"]]


async def test_two_users_two_tabs(http: httpx.AsyncClient, server_url: str, owner: Account) -> None:
    board = await new_board(http, owner)
    editor = await register(http, "editor")
    await add_member(http, owner, board["id"], editor, "editor")
    owner_tab = await join(server_url, board["id"], owner)
    assert ids(owner_tab.frames[0]) == [owner.id]
    editor_tab = await join(server_url, board["id"], editor)
    assert ids(editor_tab.frames[0]) == sorted([owner.id, editor.id])
    assert ids(await owner_tab.recv_type("presence")) == sorted([owner.id, editor.id])
    second_owner_tab = await join(server_url, board["id"], owner)
    assert ids(second_owner_tab.frames[0]) == sorted([owner.id, editor.id])
    await owner_tab.close()  # the owner is still here in another tab: no change
    await editor_tab.close()
    frame = await second_owner_tab.recv_type("presence")
    assert ids(frame) == [owner.id]
    assert frame["users"] == [{"id": owner.id, "username": owner.username}]
    assert "seq" not in frame
    await second_owner_tab.close()
