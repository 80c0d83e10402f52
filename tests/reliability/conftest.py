"""Fixtures for fault and abuse tests: HTTP through Nginx and to each replica, a crew on a board."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import pytest
from devstack.postgres import libpq_url

from devstack import Stack
from tests.conftest import Account, register
from tests.support.live import add_member, new_board

# Every account made on the stack by these tests: no log may ever show its token or password.
ACCOUNTS: list[Account] = []


async def account(http: httpx.AsyncClient, prefix: str = "rel") -> Account:
    made = await register(http, f"{prefix}_{uuid.uuid4().hex[:10]}")
    ACCOUNTS.append(made)
    return made


@dataclass
class Crew:
    owner: Account
    editor: Account
    board_id: int

    @property
    def tokens(self) -> list[str]:
        return [self.owner.token, self.editor.token]


async def make_crew(http: httpx.AsyncClient, name: str = "reliability") -> Crew:
    owner, editor = await asyncio.gather(account(http), account(http))
    board = await new_board(http, owner, name)
    await add_member(http, owner, board["id"], editor, "editor")
    return Crew(owner, editor, int(board["id"]))


@pytest.fixture
async def crew(front: httpx.AsyncClient) -> Crew:
    """An owner and an editor on a fresh board, made through Nginx."""
    return await make_crew(front)


@pytest.fixture
async def stack_db(stack: Stack) -> AsyncIterator[asyncpg.Connection]:
    """A connection of our own to the stack's PostgreSQL database."""
    connection = await asyncpg.connect(libpq_url(stack.database_url))
    try:
        yield connection
    finally:
        await connection.close()


def secrets_in_logs(stack: Stack, accounts: list[Account]) -> list[str]:
    """Which token, token signature or password of `accounts` some stack log holds."""
    logs = stack.logs()
    leaks = []
    for who in accounts:
        for kind, secret in (
            ("password", who.password),
            ("token", who.token),
            ("token signature", who.token.rsplit(".", 1)[1]),
        ):
            leaks += [
                f"{kind} of {who.username} in {name}"
                for name, text in logs.items()
                if secret in text
            ]
    return leaks


async def board_seq(http: httpx.AsyncClient, who: Account, board_id: int) -> int:
    response = await http.get(f"/api/boards/{board_id}", headers=who.headers)
    assert response.status_code == 200, response.text
    return int(response.json()["seq"])


async def activity_seqs(http: httpx.AsyncClient, who: Account, board: int) -> list[int]:
    """Every activity seq of the board, newest first, walking all pages (bounded)."""
    seqs: list[int] = []
    cursor: str | None = None
    for _ in range(50):
        params: dict[str, Any] = {"limit": 200, **({"before": cursor} if cursor else {})}
        page = await http.get(f"/api/boards/{board}/activity", params=params, headers=who.headers)
        assert page.status_code == 200, page.text
        seqs += [item["seq"] for item in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return seqs
    raise AssertionError("more than 50 pages of activity")
