"""A client generated from /openapi.json by openapi-python-client works against the live server:
sign up, sign in, create a board and a task, move the task, read the activity.

Generated at test time into a temporary directory, from the document the server serves, so a
document that drifts from the server breaks this test (a wrong type, a missing status).
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from devstack import Replica

PACKAGE = "taskflow_client"


def generate(url: str, into: Path) -> None:
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(
        [
            str(bin_dir / "openapi-python-client"),
            "generate",
            "--url",
            f"{url}/openapi.json",
            "--meta",
            "none",
            "--output-path",
            str(into / PACKAGE),
            "--fail-on-warning",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture
def generated(live_server: Replica, tmp_path: Path) -> Any:
    generate(live_server.url, tmp_path)
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def module(name: str) -> ModuleType:
    return importlib.import_module(f"{PACKAGE}.{name}")


def test_sign_up_board_task_move_and_activity(generated: Any, live_server: Replica) -> None:
    models = module("models")
    with generated.Client(base_url=live_server.url) as client:
        token = sign_up(client, models)
    with generated.AuthenticatedClient(base_url=live_server.url, token=token) as signed_in:
        board_task_move_activity(signed_in, models)


def sign_up(client: Any, models: ModuleType) -> str:
    user = module("api.accounts.register").sync(
        client=client,
        body=models.UserCreate(
            username="generated", email="gen@example.com", password="pass word 1"
        ),
    )
    assert isinstance(user, models.UserPublic) and user.username == "generated"
    token = module("api.accounts.sign_in").sync(
        client=client, body=models.BodySignIn(username="generated", password="pass word 1")
    )
    assert isinstance(token, models.Token)
    access_token: str = token.access_token
    return access_token


def board_task_move_activity(signed_in: Any, models: ModuleType) -> None:
    board = module("api.boards.create_board").sync(
        client=signed_in, body=models.BoardCreate(name="Generated")
    )
    assert isinstance(board, models.BoardPublic) and board.seq == 0
    snapshot = module("api.boards.get_board").sync(board.id, client=signed_in)
    assert isinstance(snapshot, models.BoardSnapshot)
    todo, doing = snapshot.columns[0], snapshot.columns[1]

    task = module("api.tasks.create_task").sync(
        board.id, client=signed_in, body=models.TaskCreate(title="from a generated client")
    )
    assert isinstance(task, models.TaskPublic) and task.column_id == todo.id
    moved = module("api.tasks.update_task").sync(
        task.id,
        client=signed_in,
        body=models.TaskUpdate(column_id=doing.id),
        if_match=f'"{task.version}"',
    )
    assert isinstance(moved, models.TaskPublic)
    assert (moved.column_id, moved.version) == (doing.id, task.version + 1)

    # A stale version: the typed 412 body carries the task as it is now.
    stale = module("api.tasks.update_task").sync(
        task.id, client=signed_in, body=models.TaskUpdate(title="late"), if_match='"1"'
    )
    assert isinstance(stale, models.StaleVersion) and stale.detail.version == moved.version

    page = module("api.activity.board_activity").sync(board.id, client=signed_in)
    assert isinstance(page, models.ActivityPage)
    assert [item.verb for item in page.items] == ["task.moved", "task.created"]
    assert page.items[0].changes["column_id"]["to"] == doing.id

    missing = module("api.boards.get_board").sync(board.id + 1000, client=signed_in)
    assert isinstance(missing, models.ErrorBody)
