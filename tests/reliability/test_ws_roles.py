"""Authorization on the live socket: the role matrix for subscribing and every command, and ids
guessed across boards. tests/routes/test_roles.py has the REST matrix; this is its WS side.

A member of two boards, on board A's socket, names board B's task, column, neighbour or member:
the answer is the same as for an id that exists nowhere, and board B does not change.
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import Account, register
from tests.support.live import add_member, create_task, join, new_board, open_live

NOWHERE = 987_654_321


async def board_state(http: httpx.AsyncClient, who: Account, board: int) -> tuple[int, Any]:
    snapshot = (await http.get(f"/api/boards/{board}", headers=who.headers)).json()
    return snapshot["seq"], snapshot["tasks"]


async def test_role_matrix_on_the_socket(server_url: str) -> None:
    async with httpx.AsyncClient(base_url=server_url, timeout=30) as http:
        owner, editor, viewer, stranger = [
            await register(http, name) for name in ("ws_owner", "ws_editor", "ws_viewer", "ws_stranger")
        ]  # fmt: skip
        board = (await new_board(http, owner))["id"]
        await add_member(http, owner, board, editor, "editor")
        await add_member(http, owner, board, viewer, "viewer")
        refusal = await open_live(server_url, board, stranger.token)
        assert await refusal.close_code() == 4404
        results = {}
        for role, who in (("owner", owner), ("editor", editor), ("viewer", viewer)):
            live = await join(server_url, board, who)
            try:
                task = await create_task(http, owner, board, f"for {role}")
                created = await live.command("task.create", {"title": f"by {role}"}, f"{role}-c")
                updated = await live.command(
                    "task.update", {"id": task["id"], "title": "changed"}, f"{role}-u"
                )
                deleted = await live.command("task.delete", {"id": task["id"]}, f"{role}-d")
                results[role] = tuple(
                    reply["type"] if reply["type"] == "ack" else reply["code"]
                    for reply in (created, updated, deleted)
                )
            finally:
                await live.close()
        assert results == {
            "owner": ("ack", "ack", "ack"),
            "editor": ("ack", "ack", "ack"),
            "viewer": ("forbidden", "forbidden", "forbidden"),
        }
        titles = {task["title"] for task in (await board_state(http, owner, board))[1]}
        assert titles == {"by owner", "by editor", "for viewer"}


async def test_ids_guessed_across_boards_answer_like_ids_that_do_not_exist(
    server_url: str,
) -> None:
    async with httpx.AsyncClient(base_url=server_url, timeout=30) as http:
        me, other_owner, outsider = [
            await register(http, name) for name in ("guesser", "their_owner", "outsider")
        ]
        mine = await new_board(http, me, "mine")
        theirs = await new_board(http, other_owner, "theirs")
        # I am an editor over there, so their ids are not secret to me: only the socket's
        # board may be touched through it all the same.
        await add_member(http, other_owner, theirs["id"], me, "editor")
        await add_member(http, other_owner, theirs["id"], outsider, "viewer")
        foreign_task = await create_task(http, other_owner, theirs["id"], "not yours")
        foreign_column = theirs["columns"][0]["id"]
        own_task = await create_task(http, me, mine["id"], "yours")
        before = await board_state(http, other_owner, theirs["id"])
        live = await join(server_url, mine["id"], me)
        try:
            cases: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = [
                ("update a task", "task.update", {"id": foreign_task["id"], "title": "x"}, {"id": NOWHERE, "title": "x"}),
                ("delete a task", "task.delete", {"id": foreign_task["id"]}, {"id": NOWHERE}),
                ("create in a column", "task.create", {"title": "x", "column_id": foreign_column}, {"title": "x", "column_id": NOWHERE}),
                ("create before a task", "task.create", {"title": "x", "before_id": foreign_task["id"]}, {"title": "x", "before_id": NOWHERE}),
                ("move to a column", "task.update", {"id": own_task["id"], "column_id": foreign_column}, {"id": own_task["id"], "column_id": NOWHERE}),
                ("move after a task", "task.update", {"id": own_task["id"], "after_id": foreign_task["id"]}, {"id": own_task["id"], "after_id": NOWHERE}),
                ("assign to a non-member", "task.create", {"title": "x", "assignee_id": outsider.id}, {"title": "x", "assignee_id": NOWHERE}),
                ("name another board", "task.create", {"title": "x", "board_id": theirs["id"]}, {"title": "x", "board_id": NOWHERE}),
            ]  # fmt: skip
            answers = {}
            for index, (what, kind, foreign, missing) in enumerate(cases):
                guessed = await live.command(kind, foreign, f"guess-{index}")
                absent = await live.command(kind, missing, f"absent-{index}")
                answers[what] = (guessed["type"], guessed.get("code"), absent.get("code"))
                assert guessed["type"] == "error", (what, guessed)
                assert guessed["code"] == absent["code"], (what, guessed, absent)
                assert guessed["message"].replace(str(foreign_task["id"]), "N") == absent[
                    "message"
                ].replace(str(NOWHERE), "N"), (what, guessed["message"], absent["message"])
        finally:
            await live.close()
        assert await board_state(http, other_owner, theirs["id"]) == before
        assert answers["update a task"][1] == answers["delete a task"][1] == "not_found"
        assert {code for _, code, _ in answers.values()} <= {"invalid", "not_found"}, answers
