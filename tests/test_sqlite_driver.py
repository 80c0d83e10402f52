"""The one-hand-off SQLite cursor behaves as SQLAlchemy's aiosqlite cursor does, at a quarter of the hops."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

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


@asynccontextmanager
async def hand_offs(conn: AsyncConnection) -> AsyncIterator[_CountingQueue]:
    """Counts the hand-offs to the worker thread of `conn`'s SQLite connection while open."""
    raw = await conn.get_raw_connection()
    aio: aiosqlite.Connection = raw.dbapi_connection._connection  # type: ignore[union-attr]
    counting = _CountingQueue(aio._tx)
    aio._tx = counting  # type: ignore[assignment]
    try:
        yield counting
    finally:
        aio._tx = counting.queue


async def test_one_hand_off_per_statement(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))  # the pooled connection exists before counting
        await conn.rollback()
        async with hand_offs(conn) as counting:
            for _ in range(5):
                await conn.execute(text("SELECT id FROM t"))
            await conn.commit()
    # BEGIN IMMEDIATE travels with the first of five statements; the commit is one more.
    assert counting.puts == 6


async def test_a_transaction_with_nothing_sent_costs_no_hand_off(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
        await conn.commit()
        async with hand_offs(conn) as counting:
            await conn.begin()
            await conn.commit()
            await conn.begin()
            await conn.rollback()
    assert counting.puts == 0


async def test_the_begin_sent_with_a_statement_takes_the_write_lock(engine: AsyncEngine) -> None:
    async with engine.connect() as writer:
        await writer.execute(text("INSERT INTO t (name) VALUES ('a')"))
        # The lock is held: another connection cannot write until the commit.
        other = await aiosqlite.connect(engine.url.database, isolation_level=None, timeout=0)
        try:
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                await other.execute("BEGIN IMMEDIATE")
            await writer.commit()
            await other.execute("BEGIN IMMEDIATE")
            await other.execute("ROLLBACK")
        finally:
            await other.close()


async def test_a_failed_statement_is_rolled_back(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("INSERT INTO t (name) VALUES ('a')"))
        await conn.commit()
        await conn.execute(text("INSERT INTO t (name) VALUES ('b')"))
        with pytest.raises(IntegrityError):
            await conn.execute(text("INSERT INTO t (name) VALUES ('a')"))
        await conn.rollback()
        names = (await conn.execute(text("SELECT name FROM t"))).scalars().all()
        await conn.rollback()
    assert names == ["a"]
