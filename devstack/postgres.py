"""PostgreSQL for the stack and tests: reuse 127.0.0.1:5432, or run a throwaway cluster.

URLs are SQLAlchemy ones (`postgresql+asyncpg://...`), the form DATABASE_URL takes.
"""

from __future__ import annotations

import atexit
import os
import pwd
import re
import signal
import subprocess
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from devstack.paths import executable
from devstack.ports import LOOPBACK, free_port
from devstack.process import ManagedProcess, ServerProcess, child_env
from devstack.waiting import StartupError, wait_until

DEFAULT_POSTGRES_PORT = 5432
SUPERUSER = "postgres"
_DATABASE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def postgres_bin(name: str) -> str:
    """A PostgreSQL executable: PATH, else the newest /usr/lib/postgresql/*/bin (Debian layout)."""
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    return executable(name, *versions)


def server_url(port: int, database: str = "postgres", user: str = SUPERUSER) -> str:
    return f"postgresql+asyncpg://{user}@{LOOPBACK}:{port}/{database}"


def postgres_answers(port: int, host: str = LOOPBACK) -> bool:
    result = subprocess.run(
        [postgres_bin("pg_isready"), "-q", "-h", host, "-p", str(port), "-t", "1"],
        check=False,
        capture_output=True,
    )
    return result.returncode == 0


def libpq_url(url: str) -> str:
    """The same address as psql understands it (no `+asyncpg` driver suffix)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(scheme="postgresql"))


def with_database(url: str, database: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{database}"))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def psql(url: str, sql: str, timeout: float = 30.0) -> str:
    """Run one SQL statement with psql against `url`; raise with psql's message if it fails."""
    result = subprocess.run(
        [postgres_bin("psql"), libpq_url(url), "-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql],
        check=False,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise RuntimeError(f"psql failed ({sql!r}): {result.stderr.strip()}")
    return result.stdout


def _checked_name(name: str) -> str:
    if not _DATABASE_NAME.match(name):
        raise ValueError(f"database name {name!r}: use lowercase letters, digits and underscores")
    return name


def create_database(server: str, name: str | None = None, *, reuse: bool = False) -> str:
    """Create database `name` (default: a unique `taskflow_test_...`) on `server`; return its URL.

    With `reuse`, an existing database of that name is kept as it is.
    """
    name = _checked_name(name or f"taskflow_test_{uuid.uuid4().hex[:12]}")
    exists = psql(server, f"SELECT 1 FROM pg_database WHERE datname = '{name}'").strip() == "1"
    if exists and not reuse:
        raise RuntimeError(f"database {name} already exists on {server}")
    if not exists:
        psql(server, f'CREATE DATABASE "{name}"')
    return with_database(server, name)


def drop_database(url: str) -> None:
    """Drop the database `url` names, disconnecting whoever still uses it."""
    name = _checked_name(database_name(url))
    psql(with_database(url, "postgres"), f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class PostgresCluster(ServerProcess):
    """A throwaway cluster (initdb in a temp dir) on a loopback port, tuned for speed not safety."""

    def __init__(self, port: int | None = None, workdir: Path | None = None) -> None:
        self.port = port if port is not None else free_port()
        self._use_workdir(workdir, "pg-")
        self.data_dir = self.workdir / "data"
        self.log_path = self.workdir / "postgres.log"
        # PostgreSQL refuses to run as root; under root (CI, containers) it runs as `postgres`.
        self._user = SUPERUSER if os.geteuid() == 0 else None
        self._process = ManagedProcess(
            [
                postgres_bin("postgres"),
                "-D", str(self.data_dir),
                "-p", str(self.port),
                "-c", f"listen_addresses={LOOPBACK}",
                "-c", f"unix_socket_directories={self.workdir}",
                "-c", "fsync=off",
                "-c", "synchronous_commit=off",
                "-c", "full_page_writes=off",
            ],
            log_path=self.log_path,
            env=child_env(),
            user=self._user,
            # SIGINT is PostgreSQL's "fast" shutdown; SIGTERM would wait for every client.
            stop_signal=signal.SIGINT,
        )  # fmt: skip

    @property
    def url(self) -> str:
        return server_url(self.port)

    def _initdb(self) -> None:
        if self._user is not None:
            account = pwd.getpwnam(self._user)
            os.chown(self.workdir, account.pw_uid, account.pw_gid)
        result = subprocess.run(
            [
                postgres_bin("initdb"),
                "-D", str(self.data_dir),
                "-U", SUPERUSER,
                "--auth=trust",
                "-E", "UTF8",
                "--no-sync",
            ],
            check=False,
            capture_output=True,
            text=True,
            user=self._user,
            timeout=120,
        )  # fmt: skip
        if result.returncode != 0:
            raise StartupError(f"initdb failed: {result.stderr.strip() or result.stdout.strip()}")

    def start(self, timeout: float = 30.0) -> None:
        if postgres_answers(self.port):
            raise StartupError(f"postgres: port {self.port} is already taken")
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb()
        self._process.start()
        wait_until(
            lambda: postgres_answers(self.port),
            what=f"throwaway PostgreSQL on port {self.port}",
            timeout=timeout,
            process=self._process,
            interval=0.1,
        )


def ensure_postgres() -> str:
    """A server URL (database `postgres`): 127.0.0.1:5432 if it answers, else a throwaway cluster
    that is stopped and deleted at exit."""
    if postgres_answers(DEFAULT_POSTGRES_PORT):
        return server_url(DEFAULT_POSTGRES_PORT)
    cluster = PostgresCluster()
    atexit.register(cluster.close)
    cluster.start()
    return cluster.url
