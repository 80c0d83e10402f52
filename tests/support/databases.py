"""Test databases: a migrated template per run, a clean copy per test, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from taskflow.migrate import upgrade
from taskflow.models import Base


def in_thread(fn: Callable[[], object]) -> None:
    """Run blocking setup (Alembic, asyncio.run) even when called from inside an event loop."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(fn).result()


TABLES = ", ".join(table.name for table in Base.metadata.sorted_tables)


def admin_dsn(base_url: str) -> str:
    return base_url.replace("postgresql+asyncpg://", "postgresql://")


class PostgresTestDatabase:
    """A database of its own for this run, migrated once and truncated before each test."""

    def __init__(self, server_url: str) -> None:
        self.server = make_url(server_url)
        self.name = f"taskflow_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self.url = self.server.set(database=self.name).render_as_string(hide_password=False)

    def create(self) -> None:
        in_thread(lambda: asyncio.run(self._admin(f'CREATE DATABASE "{self.name}"')))
        in_thread(lambda: upgrade(self.url))

    def drop(self) -> None:
        sql = f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'
        in_thread(lambda: asyncio.run(self._admin(sql)))

    async def truncate(self) -> None:
        conn = await asyncpg.connect(admin_dsn(self.url))
        try:
            await conn.execute(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE")
        finally:
            await conn.close()

    async def _admin(self, sql: str) -> None:
        maintenance = self.server.set(database="postgres").render_as_string(hide_password=False)
        conn = await asyncpg.connect(admin_dsn(maintenance))
        try:
            await conn.execute(sql)
        finally:
            await conn.close()


class SqliteTemplate:
    """A migrated SQLite file copied for each test (faster than migrating every time)."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / "template.db"

    def create(self) -> None:
        in_thread(lambda: upgrade(f"sqlite+aiosqlite:///{self.path}"))

    def fresh_copy(self, directory: Path) -> str:
        target = directory / "taskflow.db"
        shutil.copyfile(self.path, target)
        return f"sqlite+aiosqlite:///{target}"
