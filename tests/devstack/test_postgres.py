"""devstack.postgres: the shared server or a throwaway cluster, fresh databases for tests."""

from __future__ import annotations

import pytest
from devstack.postgres import (
    PostgresCluster,
    create_database,
    database_name,
    drop_database,
    ensure_postgres,
    postgres_answers,
    psql,
)


def database_exists(server: str, name: str) -> bool:
    return psql(server, f"SELECT 1 FROM pg_database WHERE datname = '{name}'").strip() == "1"


def test_fresh_databases_are_created_and_dropped() -> None:
    server = ensure_postgres()
    assert server.startswith("postgresql+asyncpg://")
    url = create_database(server)
    name = database_name(url)
    try:
        assert name.startswith("taskflow_test_") and database_exists(server, name)
        assert psql(url, "SELECT current_database()").strip() == name
        with pytest.raises(RuntimeError, match="already exists"):
            create_database(server, name)
        assert create_database(server, name, reuse=True) == url
    finally:
        drop_database(url)
    assert not database_exists(server, name)


def test_database_names_are_checked() -> None:
    with pytest.raises(ValueError, match="lowercase"):
        create_database(ensure_postgres(), 'x"; DROP DATABASE postgres; --')


def test_throwaway_cluster_starts_serves_and_goes_away() -> None:
    with PostgresCluster() as cluster:
        assert postgres_answers(cluster.port)
        url = create_database(cluster.url, "devstack_check")
        assert psql(url, "SELECT 40 + 2").strip() == "42"
    assert not postgres_answers(cluster.port)
    assert not cluster.workdir.exists()
