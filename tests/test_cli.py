"""The `taskflow` command: settings are checked before anything starts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from taskflow.config import DEV_SECRET_KEY

TASKFLOW = str(Path(sys.executable).parent / "taskflow")


def run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [TASKFLOW, *args],
        env={"PATH": "/usr/bin:/bin", **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"DATABASE_URL": "mysql://nope"}, "DATABASE_URL"),
        ({"REDIS_URL": "http://redis"}, "REDIS_URL"),
        ({"MONGODB_URI": "postgres://x"}, "MONGODB_URI"),
        ({"ACCESS_TOKEN_EXPIRE_MINUTES": "soon"}, "ACCESS_TOKEN_EXPIRE_MINUTES"),
        ({"ENVIRONMENT": "staging"}, "ENVIRONMENT"),
    ],
)
def test_invalid_setting_stops_with_one_line_naming_it(
    tmp_path: Path, env: dict[str, str], variable: str
) -> None:
    result = run(["serve", "--port", "1"], env, tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"taskflow: invalid setting {variable}:"), lines


def test_production_refuses_the_development_secret(tmp_path: Path) -> None:
    for secret in (DEV_SECRET_KEY, "short"):
        result = run(["migrate"], {"ENVIRONMENT": "production", "SECRET_KEY": secret}, tmp_path)
        assert result.returncode == 2
        assert "SECRET_KEY" in result.stderr and secret not in result.stderr
        assert result.stderr.startswith("taskflow: invalid setting SECRET_KEY:"), result.stderr


def test_migrate_creates_the_embedded_database_on_defaults(tmp_path: Path) -> None:
    result = run(["migrate"], {}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "taskflow.db").exists()
    assert run(["migrate"], {}, tmp_path).returncode == 0  # idempotent
