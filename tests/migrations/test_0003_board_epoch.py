"""0003_board_epoch on a database that already holds boards, activity and pending outbox rows."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from taskflow.migrate import alembic_config
from tests.support.databases import PostgresTestDatabase, in_thread

NOW = "2026-11-30 10:00:00+00:00"


@pytest.fixture(params=["sqlite", "postgres"])
async def at_0001(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A database of its own, migrated to 0001 only."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
        in_thread(lambda: command.upgrade(alembic_config(url), "0001"))
        yield url
        return
    shared: PostgresTestDatabase = request.getfixturevalue("postgres_database")
    own = PostgresTestDatabase(shared.server.render_as_string(hide_password=False))
    in_thread(lambda: asyncio.run(own._admin(f'CREATE DATABASE "{own.name}"')))
    try:
        in_thread(lambda: command.upgrade(alembic_config(own.url), "0001"))
        yield own.url
    finally:
        own.drop()


async def run(url: str, *statements: str) -> list[list[tuple[object, ...]]]:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            results = [await conn.execute(text(sql)) for sql in statements]
            return [list(r.all()) if r.returns_rows else [] for r in results]
    finally:
        await engine.dispose()


def entry_json(board_id: int, seq: int) -> str:
    return json.dumps({"id": seq, "board_id": board_id, "seq": seq, "verb": "x"})


async def test_backfills_a_uid_per_board_and_keys_kept_activity_by_it(at_0001: str) -> None:
    await run(
        at_0001,
        f"INSERT INTO users (username, email, password_hash, created_at) VALUES ('a', 'a@x', '-', '{NOW}')",
        *(
            f"INSERT INTO boards (name, owner_id, seq, created_at, updated_at) VALUES ('b{n}', 1, 2, '{NOW}', '{NOW}')"
            for n in range(3)
        ),
        "DELETE FROM boards WHERE id = 3",  # its activity stays in the feed
        *(
            f"INSERT INTO activity_entries (id, board_id, seq, actor, verb, target, changes, ts)"
            f" VALUES ({b * 10 + s}, {b}, {s}, '{{}}', 'v', '{{}}', '{{}}', '{NOW}')"
            for b in (1, 3)
            for s in (1, 2)
        ),
        f"INSERT INTO activity_outbox (board_id, seq, entry, created_at) VALUES (2, 1, '{entry_json(2, 1)}', '{NOW}')",
    )

    in_thread(lambda: command.upgrade(alembic_config(at_0001), "head"))

    boards, activity, outbox, added = await run(
        at_0001,
        "SELECT id, uid FROM boards ORDER BY id",
        "SELECT board_id, seq, board_uid FROM activity_entries ORDER BY board_id, seq",
        "SELECT entry FROM activity_outbox",
        f"INSERT INTO boards (name, owner_id, seq, created_at, updated_at, uid) VALUES ('new', 1, 0, '{NOW}', '{NOW}', '{uuid.uuid4()}') RETURNING id",
    )
    uids = dict(boards)
    assert set(uids) == {1, 2} and len(set(uids.values())) == 2
    assert all(uuid.UUID(str(uid)) for uid in uids.values())
    by_board = {(b, s): uid for b, s, uid in activity}
    assert by_board[(1, 1)] == by_board[(1, 2)] == uids[1]
    assert by_board[(3, 1)] == by_board[(3, 2)] not in uids.values()
    [(entry,)] = outbox
    stored = entry if isinstance(entry, dict) else json.loads(str(entry))
    assert stored["board_uid"] == uids[2]
    assert added == [(4,)]  # ids still never come back (board 3 was deleted)
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
        await run(at_0001, f"UPDATE boards SET uid = '{uids[1]}' WHERE id = 2")

    in_thread(lambda: command.downgrade(alembic_config(at_0001), "0001"))
    [columns] = await run(at_0001, "SELECT * FROM boards WHERE id = 1")
    assert len(columns[0]) == 6  # uid gone, rows kept
