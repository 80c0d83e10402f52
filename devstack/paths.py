"""Where things are: the repository's files and the executables devstack runs."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
CLIENT_DIR = REPO_ROOT / "client"
SERVER_SRC = REPO_ROOT / "server"
NGINX_TEMPLATE = REPO_ROOT / "nginx" / "taskflow.conf.template"


def executable(name: str, *extra_dirs: Path) -> str:
    """Path of `name`: next to this interpreter (the venv), then in `extra_dirs`, then PATH."""
    for directory in (Path(sys.executable).parent, *extra_dirs):
        candidate = directory / name
        if candidate.is_file():
            return str(candidate)
    found = shutil.which(name)
    if found is None:
        searched = ", ".join(str(d) for d in (Path(sys.executable).parent, *extra_dirs))
        raise FileNotFoundError(f"{name}: not found in {searched} nor on PATH")
    return found
