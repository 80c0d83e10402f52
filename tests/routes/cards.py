"""Helpers for the card-detail route tests: rows of the new tables counted, a role matrix runner."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from taskflow.models import ChecklistItem, Comment, Label, TrashItem
from tests.conftest import Account
from tests.routes.conftest import Team, counts

Request = tuple[str, str, Any]
Setup = Callable[[httpx.AsyncClient, FastAPI, Team], Awaitable[Request]]
DETAILS = {"labels": Label, "comments": Comment, "items": ChecklistItem, "trash": TrashItem}


async def all_counts(app: FastAPI) -> dict[str, int]:
    """`counts`, plus the rows of labels, comments, checklist items and trash items."""
    found = await counts(app)
    found["activity"] += found.pop("outbox")
    async with app.state.resources.db.session() as session:
        for name, model in DETAILS.items():
            result = await session.execute(select(func.count()).select_from(model))
            found[name] = int(result.scalar_one())
    return found


async def unchanged(app: FastAPI, call: Callable[[], Awaitable[httpx.Response]]) -> httpx.Response:
    """Run `call()` and assert that no row of any table and no seq changed."""
    before = await all_counts(app)
    response = await call()
    assert await all_counts(app) == before, response.text
    return response


async def check_matrix(
    client: httpx.AsyncClient,
    app: FastAPI,
    team: Team,
    matrix: list[tuple[Setup, tuple[int, int, int, int]]],
) -> None:
    """Each setup's request as owner, editor, viewer and stranger; refusals change nothing."""
    roles: list[tuple[str, Account]] = [
        ("owner", team.owner), ("editor", team.editor),
        ("viewer", team.viewer), ("stranger", team.stranger),
    ]  # fmt: skip
    failures = []
    for setup, statuses in matrix:
        for (role, account), expected in zip(roles, statuses, strict=True):
            method, url, body = await setup(client, app, team)

            async def call(
                m: str = method, u: str = url, b: Any = body, a: Account = account
            ) -> httpx.Response:
                return await client.request(m, u, json=b, headers=a.headers)

            response = await (call() if expected < 300 else unchanged(app, call))
            if response.status_code != expected:
                failures.append((setup.__name__, role, expected, response.status_code))
            if expected == 404:
                assert "not found" in response.json()["detail"]
    assert failures == []


async def events_after(client: httpx.AsyncClient, team: Team, seq: int) -> list[tuple[int, str]]:
    """(seq, verb) of the board's activity after `seq`, oldest first."""
    response = await client.get(
        f"/api/boards/{team.id}/activity", params={"limit": 200}, headers=team.owner.headers
    )
    assert response.status_code == 200, response.text
    items = [(item["seq"], item["verb"]) for item in response.json()["items"] if item["seq"] > seq]
    return sorted(items)


async def board_seq(client: httpx.AsyncClient, team: Team) -> int:
    snapshot = await client.get(f"/api/boards/{team.id}", headers=team.owner.headers)
    return int(snapshot.json()["seq"])
