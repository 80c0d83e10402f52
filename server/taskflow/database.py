"""The SQL database: an async engine chosen by URL and one session per unit of work."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

import aiosqlite
from sqlalchemy import Select, event, make_url, text
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry

from taskflow.sqlite_driver import OneHopConnection, OneHopDBAPI

# SQLite connections for read sessions, each an aiosqlite thread, kept for good: a burst waits
# for one rather than opening (and closing again) a thread, four PRAGMAs and all, per overflow.
SQLITE_READERS = 4
# The database, or the way to it, does not answer (TimeoutError is an OSError): try again later.
UNAVAILABLE = (OperationalError, DBAPIError, PoolTimeout, ConnectionError, OSError)
# The execution option of a session that only reads: on SQLite it starts with a deferred BEGIN.
READ_ONLY = "taskflow_read_only"


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def sqlite_file(url: str) -> str | None:
    """The file of a SQLite URL; None for any other database and for an in-memory one."""
    database = make_url(url).database if is_sqlite(url) else None
    return None if database in (None, "", ":memory:") else database


def create_engine(url: str, *, echo: bool = False, readers: bool = False) -> AsyncEngine:
    """An engine with the pragmas and pool settings TaskFlow relies on for `url`'s database.

    `readers`: on a SQLite file, the engine for read-only sessions (several connections).
    """
    if is_sqlite(url):
        # SQLite has one writer, and every writing transaction here starts with BEGIN
        # IMMEDIATE: so one writing connection per process. Waiting for it is a FIFO queue in
        # the event loop; with more connections, the waiting ones would poll SQLite's busy
        # handler (sleeps of 1-100 ms, unfair), which made p99 of concurrent writes climb into
        # seconds. Readers (WAL) get a pool of their own.
        size = SQLITE_READERS if readers else 1
        pool: dict[str, Any] = (
            {}  # in memory: one connection (StaticPool), or every session would see another db
            if sqlite_file(url) is None
            else {"pool_size": size, "max_overflow": 0, "pool_timeout": 30}
        )
        engine = create_async_engine(
            url, echo=echo, module=OneHopDBAPI(), connect_args={"timeout": 30}, **pool
        )
        _configure_sqlite(engine)
        return engine
    return create_async_engine(
        url,
        echo=echo,
        pool_size=10,
        max_overflow=20,
        pool_pre_ping=True,
        pool_recycle=1800,
        pool_timeout=10,
    )


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: DBAPIConnection, _: ConnectionPoolEntry) -> None:
        # Take over transaction control so every transaction can start with BEGIN IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        driver: OneHopConnection = conn.connection.dbapi_connection
        if conn.get_execution_options().get(READ_ONLY):
            # A reader never upgrades to a writer, so it cannot deadlock with one; under WAL it
            # reads the snapshot of its first SELECT without waiting for the write lock.
            driver.begin_with("BEGIN")
            return
        # SQLite has one writer; taking the write lock up front avoids the deadlock of two
        # readers upgrading at once, and makes every transaction see the latest commit.
        driver.begin_with("BEGIN IMMEDIATE")


class Database:
    """Owns the engine and hands out sessions; created and disposed by the app's lifespan."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = create_engine(url)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)
        self._read_engine = (
            create_engine(url, readers=True) if sqlite_file(url) is not None else self.engine
        )
        self.reader = async_sessionmaker(
            self._read_engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False
        )
        self._compiled: dict[Select[*tuple[Any, ...]], tuple[str, tuple[str, ...]]] = {}
        # SQLite's `read_once` connection: one aiosqlite thread of its own, opened at first use.
        self._sqlite_file = sqlite_file(url)
        self._reader: aiosqlite.Connection | None = None
        self._reader_opening = asyncio.Lock()

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.url)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.sessionmaker() as session:
            yield session

    @asynccontextmanager
    async def read_session(self) -> AsyncIterator[AsyncSession]:
        """A session that only reads: it never takes SQLite's write lock (never write in it)."""
        async with self.reader() as session:
            yield session

    async def read_once(
        self, statement: Select[*tuple[Any, ...]], params: Mapping[str, Any]
    ) -> Sequence[Sequence[Any]]:
        """The rows of one SELECT, on a snapshot of its own, with no transaction around it.

        The statement goes straight to the driver, compiled once per statement object: one
        hand-off to a SQLite connection kept for these reads (no pool checkout, no greenlet),
        or one round trip on a pooled PostgreSQL connection, instead of a session's BEGIN,
        cursor, execute, fetch, close and ROLLBACK. Rows come back as the driver gives them,
        without SQLAlchemy's type processing: select plain integers and strings. Driver errors
        are raised as SQLAlchemy's `OperationalError`.
        """
        sql, names = self._compiled.get(statement) or self._compile(statement)
        args = [params[name] for name in names]
        if self._sqlite_file is not None:
            reader = self._reader or await self._open_reader(self._sqlite_file)
            try:
                return list(await reader.execute_fetchall(sql, args))
            except (sqlite3.Error, ValueError) as exc:  # ValueError: the connection is closed
                raise OperationalError(sql, args, exc) from exc
        async with self.engine.connect() as conn:
            driver: Any = (await conn.get_raw_connection()).driver_connection
            try:
                if self.is_sqlite:
                    return list(await driver.execute_fetchall(sql, args))
                return list(await driver.fetch(sql, *args))
            except Exception as exc:
                # Whatever failed, the next reader gets a connection known to be good.
                await conn.invalidate(exc)
                raise OperationalError(sql, args, exc) from exc

    async def _open_reader(self, path: str) -> aiosqlite.Connection:
        async with self._reader_opening:
            if self._reader is None:
                # Autocommit: each SELECT reads the latest commit on a snapshot of its own.
                reader = await aiosqlite.connect(path, timeout=30, isolation_level=None)
                await reader.execute("PRAGMA busy_timeout=30000")
                self._reader = reader
            return self._reader

    def _compile(self, statement: Select[*tuple[Any, ...]]) -> tuple[str, tuple[str, ...]]:
        compiled = statement.compile(dialect=self.engine.dialect)
        names = tuple(compiled.positiontup or ())
        self._compiled[statement] = (compiled.string, names)
        return compiled.string, names

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        reader, self._reader = self._reader, None
        if reader is not None:
            await reader.close()
        if self._read_engine is not self.engine:
            await self._read_engine.dispose()
        await self.engine.dispose()
