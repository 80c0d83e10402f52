"""SQLAlchemy's aiosqlite adapter, with one hand-off to the SQLite thread per statement.

aiosqlite runs sqlite3 in a worker thread and every call is a hand-off: SQLAlchemy's adapter
makes four per statement (open a cursor, execute, fetch all, close), and each wakes the
worker and then the event loop. Measured, those wake-ups were a quarter of a write's CPU. This
cursor does the same four steps in one function on the worker thread, and keeps what
SQLAlchemy reads afterwards (rows, description, rowcount, lastrowid). Everything else -
connections, errors, the worker thread itself - is SQLAlchemy's and aiosqlite's own.

A transaction's BEGIN travels with its first statement (`begin_with`), and a commit or
rollback with no transaction open on SQLite (nothing ran, or the pool's reset of a connection
already committed) is not sent at all. The hand-offs matter beyond their CPU: SQLite has one
writer, so a write transaction holds it for as many event-loop turns as it has hand-offs.

It reaches into aiosqlite's `_tx` queue and `_conn`, as SQLAlchemy's own adapter does for its
isolation-level setter; `tests/test_sqlite_driver.py` pins the behaviour it relies on.
"""

from __future__ import annotations

import asyncio
import collections
import sqlite3
from collections.abc import Sequence
from functools import partial
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util.concurrency import await_

# description, rowcount, lastrowid, rows, and whether a transaction is open afterwards.
_Outcome = tuple[Any, int, int | None, list[Any] | None, bool]


def _run(
    conn: sqlite3.Connection, begin: str | None, operation: str, parameters: Any, many: bool
) -> _Outcome:
    """On the worker thread: begin if asked, execute, fetch every row, close; what is left."""
    if begin is not None:
        conn.execute(begin)
    cursor = conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else None
        return description, cursor.rowcount, cursor.lastrowid, rows, conn.in_transaction
    finally:
        cursor.close()


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """A client-side cursor whose statement costs one hand-off to the SQLite thread."""

    __slots__ = ("_arraysize", "_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        # No aiosqlite cursor is opened here (that alone was a hand-off).
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = {}  # type: ignore[assignment]
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None
        self._arraysize = 1

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def arraysize(self) -> int:
        return self._arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._arraysize = value

    @property
    def lastrowid(self) -> int:
        return self._lastrowid  # type: ignore[return-value]

    async def _async_soft_close(self) -> None:
        return None  # nothing is open on the thread between statements

    def close(self) -> None:
        self._rows.clear()

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        try:
            await_(self._submit(operation, parameters, many=False))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    def executemany(self, operation: Any, seq_of_parameters: Sequence[Any]) -> Any:
        try:
            await_(self._submit(operation, seq_of_parameters, many=True))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    async def _submit(self, operation: str, parameters: Any, *, many: bool) -> None:
        aio: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        if not aio._running or aio._connection is None:
            raise ValueError("Connection closed")
        future: asyncio.Future[_Outcome] = asyncio.get_running_loop().create_future()
        connection: OneHopConnection = self._adapt_connection  # type: ignore[assignment]
        async with connection._execute_mutex:
            begin, connection._pending_begin = connection._pending_begin, None
            job = partial(_run, aio._conn, begin, operation, parameters, many)
            # Until the answer is in, assume a transaction is open: a failed or cancelled
            # statement then still gets its rollback sent.
            connection._in_transaction = True
            aio._tx.put_nowait((future, job))
            description, rowcount, lastrowid, rows, in_transaction = await future
        connection._in_transaction = in_transaction
        self._description, self._rowcount, self._lastrowid = description, rowcount, lastrowid
        self._rows = collections.deque(rows) if rows else collections.deque()


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ("_in_transaction", "_pending_begin")
    _cursor_cls = OneHopCursor  # type: ignore[assignment]  # a subclass; mypy reads it as invariant

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self._pending_begin: str | None = None
        self._in_transaction = False

    def begin_with(self, statement: str) -> None:
        """Start a transaction with `statement` (a BEGIN), sent together with the next statement."""
        self._pending_begin = statement

    def commit(self) -> None:
        self._pending_begin = None
        if self._in_transaction:
            super().commit()
            self._in_transaction = False

    def rollback(self) -> None:
        self._pending_begin = None
        if self._in_transaction:
            super().rollback()
            self._in_transaction = False


class OneHopDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """The aiosqlite DBAPI module whose connections use `OneHopCursor`; pass as `module=`."""

    def __init__(self) -> None:
        super().__init__(aiosqlite, sqlite3)

    def connect(self, *arg: Any, **kw: Any) -> OneHopConnection:
        adapted = super().connect(*arg, **kw)
        return OneHopConnection(self, adapted._connection)
