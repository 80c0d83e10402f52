"""Boards made through the REST API, so tests spend their browser time on what they test."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from tests.conftest import Account
from tests.support.live import add_member, create_task, new_board


@dataclass
class SeededBoard:
    id: int
    columns: list[int]  # "To do", "In progress", "Done", then any added, in board order
    tasks: dict[str, dict[str, Any]]  # by title


async def seed_board(
    http: httpx.AsyncClient,
    owner: Account,
    name: str,
    cards: list[list[str]],
    members: tuple[tuple[Account, str], ...] = (),
) -> SeededBoard:
    """A board whose n-th default column holds the titles in cards[n], top to bottom."""
    board = await new_board(http, owner, name)
    columns = [c["id"] for c in sorted(board["columns"], key=lambda c: (c["position"], c["id"]))]
    for member, role in members:
        await add_member(http, owner, board["id"], member, role)
    tasks = {}
    for column, titles in zip(columns, cards, strict=False):
        for title in titles:
            tasks[title] = await create_task(http, owner, board["id"], title, column_id=column)
    return SeededBoard(board["id"], columns, tasks)
