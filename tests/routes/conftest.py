"""Helpers for route tests: a board with one member of each role, row counts, shortcuts."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from taskflow.models import (
    ActivityOutbox,
    ActivityRecord,
    Board,
    BoardEvent,
    Column,
    Member,
    Task,
    User,
)
from taskflow.security import issue_token
from tests.conftest import Account

COUNTED = {
    "boards": Board,
    "members": Member,
    "columns": Column,
    "tasks": Task,
    "events": BoardEvent,
    "outbox": ActivityOutbox,
    "activity": ActivityRecord,
}


async def counts(app: FastAPI) -> dict[str, int]:
    """Rows per table, plus the sum of board seqs: equal before and after means nothing changed."""
    # Settle the relay first: while it moves an entry, the entry is briefly in both tables.
    await app.state.resources.activity_relay.flush(10)
    found: dict[str, int] = {}
    async with app.state.resources.db.session() as session:
        for name, model in COUNTED.items():
            result = await session.execute(select(func.count()).select_from(model))
            found[name] = int(result.scalar_one())
        seqs = await session.execute(select(func.coalesce(func.sum(Board.seq), 0)))
        found["seq"] = int(seqs.scalar_one())
    return found


async def unchanged_after(app: FastAPI, call: Any) -> httpx.Response:
    """Run `call()` and assert that no row and no seq changed; returns its response."""
    before = await counts(app)
    response: httpx.Response = await call()
    after = await counts(app)
    for snapshot in (before, after):
        snapshot["activity"] += snapshot.pop("outbox")
    assert after == before, response.text
    return response


@dataclass
class Team:
    """A board with its owner, an editor, a viewer and a stranger (not a member)."""

    board: dict[str, Any]
    owner: Account
    editor: Account
    viewer: Account
    stranger: Account

    @property
    def id(self) -> int:
        return int(self.board["id"])

    @property
    def columns(self) -> list[int]:
        return [c["id"] for c in self.board["columns"]]


async def make_board(client: httpx.AsyncClient, owner: Account, name: str = "Roadmap") -> Any:
    created = await client.post("/api/boards", json={"name": name}, headers=owner.headers)
    assert created.status_code == 201, created.text
    snapshot = await client.get(f"/api/boards/{created.json()['id']}", headers=owner.headers)
    assert snapshot.status_code == 200, snapshot.text
    return snapshot.json()


async def add_member(
    client: httpx.AsyncClient, team_owner: Account, board_id: int, who: Account, role: str
) -> None:
    response = await client.post(
        f"/api/boards/{board_id}/members",
        json={"username": who.username, "role": role},
        headers=team_owner.headers,
    )
    assert response.status_code == 201, response.text


_names = itertools.count(1)


async def quick_account(app: FastAPI) -> Account:
    """An account made directly in the database: Argon2 for each would dominate these tests.

    Registration and sign-in themselves are covered by tests/test_accounts.py.
    """
    username = f"member{next(_names)}"
    async with app.state.resources.db.session() as session:
        user = User(username=username, email=f"{username}@example.com", password_hash="-")
        session.add(user)
        await session.commit()
    settings = app.state.settings
    issued = issue_token(
        user_id=user.id, secret=settings.secret_key, minutes=settings.access_token_expire_minutes
    )
    return Account(user.id, username, "-", issued.token)


@pytest.fixture
async def team(client: httpx.AsyncClient, app: FastAPI) -> Team:
    owner, editor, viewer, stranger = [await quick_account(app) for _ in range(4)]
    board = await make_board(client, owner)
    await add_member(client, owner, board["id"], editor, "editor")
    await add_member(client, owner, board["id"], viewer, "viewer")
    board = (await client.get(f"/api/boards/{board['id']}", headers=owner.headers)).json()
    return Team(board, owner, editor, viewer, stranger)


async def new_task(
    client: httpx.AsyncClient, team: Team, title: str = "Task", **fields: Any
) -> Any:
    response = await client.post(
        f"/api/boards/{team.id}/tasks", json={"title": title, **fields}, headers=team.editor.headers
    )
    assert response.status_code == 201, response.text
    return response.json()
