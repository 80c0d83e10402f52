"""The one-hand-off SQLite cursor behaves as SQLAlchemy's aiosqlite cursor does, at a quarter of the hops."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from taskflow.database import create_engine


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}")
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)"))
    yield engine
    await engine.dispose()


async def test_rows_description_rowcount_and_lastrowid(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        inserted = await conn.execute(text("INSERT INTO t (name) VALUES ('a')"))
        assert inserted.rowcount == 1
        assert inserted.lastrowid == 1
        await conn.execute(text("INSERT INTO t (name) VALUES (:n)"), [{"n": "b"}, {"n": "c"}])
        result = await conn.execute(text("SELECT id, name FROM t ORDER BY id"))
        assert list(result.keys()) == ["id", "name"]
        assert [tuple(row) for row in result.fetchmany(2)] == [(1, "a"), (2, "b")]
        assert [tuple(row) for row in result.fetchall()] == [(3, "c")]
        updated = await conn.execute(text("UPDATE t SET name = name || '!' WHERE id > 1"))
        assert updated.rowcount == 2
        returned = await conn.execute(text("UPDATE t SET name = 'z' WHERE id = 3 RETURNING id"))
        assert returned.scalar_one() == 3


async def test_errors_are_sqlalchemy_errors_and_roll_back(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO t (name) VALUES ('a')"))
    with pytest.raises(IntegrityError):
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO t (name) VALUES ('b')"))
            await conn.execute(text("INSERT INTO t (name) VALUES ('a')"))
    async with engine.connect() as conn:
        names = (await conn.execute(text("SELECT name FROM t"))).scalars().all()
    assert names == ["a"]


class _CountingQueue:
    """Stands in for aiosqlite's queue to its worker thread; every hand-off is one put."""

    def __init__(self, queue: Any) -> None:
        self.queue = queue
        self.puts = 0

    def put_nowait(self, item: Any) -> None:
        self.puts += 1
        self.queue.put_nowait(item)


async def test_one_hand_off_per_statement(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))  # the pooled connection exists before counting
        await conn.rollback()
        raw = await conn.get_raw_connection()
        aio: aiosqlite.Connection = raw.dbapi_connection._connection  # type: ignore[union-attr]
        counting = _CountingQueue(aio._tx)
        aio._tx = counting  # type: ignore[assignment]
        try:
            for _ in range(5):
                await conn.execute(text("SELECT id FROM t"))
            await conn.commit()
        finally:
            aio._tx = counting.queue
    # BEGIN IMMEDIATE, five statements and the commit: one hand-off each.
    assert counting.puts == 7
