"""Versions and machine facts, recorded with every run (numbers mean little without them)."""

from __future__ import annotations

import os
import platform
import resource
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import psutil
from devstack.nginx import nginx_binary
from devstack.paths import executable
from devstack.postgres import postgres_bin

PACKAGES = ("uvicorn", "websockets", "fastapi", "starlette", "uvloop", "httptools", "sqlalchemy")


def _first_line(argv: list[str]) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unavailable ({type(exc).__name__})"
    text = (done.stdout or done.stderr).strip()
    return text.splitlines()[0] if text else "unknown"


def _cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8")
    except OSError:
        text = ""
    for line in text.splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def versions() -> dict[str, str]:
    found = {"python": sys.version.split()[0]}
    for package in PACKAGES:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    # "nginx version: nginx/1.22.1", "postgres (PostgreSQL) 15.20 (Debian ...)",
    # "Redis server v=7.0.15 sha=...": keep the version.
    nginx = _safe(lambda: _first_line([nginx_binary(), "-v"]))
    postgres = _safe(lambda: _first_line([postgres_bin("postgres"), "--version"]))
    redis = _safe(lambda: _first_line([executable("redis-server"), "--version"]))
    found["nginx"] = nginx.rpartition("/")[2]
    found["postgres"] = postgres.split(") ", 1)[-1].split(" ", 1)[0]
    found["redis"] = next((w[2:] for w in redis.split() if w.startswith("v=")), redis)
    return found


def _safe(read: Any) -> str:
    try:
        return str(read())
    except (FileNotFoundError, OSError) as exc:
        return f"unavailable ({exc})"


def machine() -> dict[str, Any]:
    load1, load5, load15 = os.getloadavg()
    return {
        "nproc": os.cpu_count(),
        "cpu": _cpu_model(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "kernel": platform.release(),
        "open_files_limit": resource.getrlimit(resource.RLIMIT_NOFILE)[0],
        "load_average_at_start": [round(load1, 2), round(load5, 2), round(load15, 2)],
    }
