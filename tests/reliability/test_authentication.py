"""Authentication: every kind of bad token refused on every route and on the live socket; sign-in
throttled per account (across replicas) and per address; tokens kept out of every log.

tests/test_accounts.py covers /users/me with expired, wrong-key and unsigned tokens and the
per-account throttle on one app; tests/cluster/test_secrets_in_logs.py the logs of ordinary
traffic. Here: all route families, more forgeries, the WebSocket, two replicas, and the logs
while an upstream is failing.
"""

from __future__ import annotations

import asyncio
import base64
import json
import warnings
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from argon2 import PasswordHasher

from devstack import Stack
from taskflow import security
from taskflow.config import Settings
from taskflow.main import create_app
from tests.conftest import Account, make_settings, register
from tests.reliability.conftest import account, secrets_in_logs
from tests.support.databases import SqliteTemplate
from tests.support.live import create_task, new_board, open_live


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def hs512(claims: dict[str, Any], secret: str) -> str:
    with warnings.catch_warnings():  # PyJWT warns that the key is short for SHA-512: we know
        warnings.simplefilter("ignore")
        return jwt.encode(claims, secret, "HS512")


def forgeries(secret: str, user: Account, other_id: int) -> dict[str, str]:
    """Tokens that must all be refused, by what is wrong with them."""
    now = datetime.now(UTC)
    claims = {"sub": str(user.id), "iat": now, "exp": now + timedelta(hours=1)}
    header, payload, signature = user.token.split(".")
    return {
        "expired": jwt.encode({**claims, "exp": now - timedelta(seconds=1)}, secret, "HS256"),
        "wrong key": jwt.encode(claims, "another-key-" * 4, "HS256"),
        "alg none": jwt.encode(claims, None, "none"),
        "alg none, signature kept": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{payload}.{signature}",
        "HS512 with the right key": hs512(claims, secret),
        "tampered sub": f"{header}.{_b64({'sub': str(other_id), 'iat': 0, 'exp': 2**40})}.{signature}",
        "signature cut": f"{header}.{payload}.{signature[:-4]}",
        "no exp": jwt.encode({"sub": str(user.id), "iat": now}, secret, "HS256"),
        "sub of nobody": jwt.encode({**claims, "sub": "987654321"}, secret, "HS256"),
        "sub not a number": jwt.encode({**claims, "sub": "admin"}, secret, "HS256"),
        "not a JWT": "garbage",
    }


def bodies(board: dict[str, Any], task: dict[str, Any], member: Account) -> dict[str, Any]:
    return {
        "POST /api/boards": {"name": "x"},
        "PATCH /api/boards/{board_id}": {"name": "x"},
        "POST /api/boards/{board_id}/members": {"username": member.username, "role": "viewer"},
        "POST /api/boards/{board_id}/columns": {"name": "x"},
        "PATCH /api/columns/{column_id}": {"name": "x"},
        "POST /api/boards/{board_id}/tasks": {"title": "x"},
        "PATCH /api/tasks/{task_id}": {"title": "x"},
        "POST /api/boards/{board_id}/labels": {"name": "x", "color": "red"},
        "PATCH /api/labels/{label_id}": {"name": "x"},
        "POST /api/tasks/{task_id}/comments": {"body": "x"},
        "PATCH /api/comments/{comment_id}": {"body": "x"},
        "POST /api/tasks/{task_id}/checklist": {"text": "x"},
        "PATCH /api/checklist/{item_id}": {"done": True},
    }


async def test_forged_tokens_are_refused_on_every_route_and_the_socket(
    server_url: str, settings: Settings
) -> None:
    async with httpx.AsyncClient(base_url=server_url, timeout=30) as http:
        owner = await register(http, "auth_owner")
        member = await register(http, "auth_member")
        board = await new_board(http, owner)
        task = await create_task(http, owner, board["id"], "guarded")
        ids = {
            "board_id": board["id"],
            "column_id": board["columns"][0]["id"],
            "task_id": task["id"],
            "user_id": owner.id,
            "session_id": 1,
            # Forged tokens never reach a handler: ids of things that do not exist do as well.
            "label_id": 1,
            "comment_id": 1,
            "item_id": 1,
        }
        schema = (await http.get("/openapi.json")).json()
        seq = (await http.get(f"/api/boards/{board['id']}", headers=owner.headers)).json()["seq"]
        payloads = bodies(board, task, member)
        tokens = forgeries(settings.secret_key, owner, member.id)
        refused = []
        guarded = 0
        for path, operations in schema["paths"].items():
            for method, operation in operations.items():
                if not operation.get("security"):
                    continue
                guarded += 1
                url = path.format(**ids)
                body = payloads.get(f"{method.upper()} {path}")
                for name, token in [*tokens.items(), ("no token", "")]:
                    headers = {"Authorization": f"Bearer {token}"} if token else {}
                    response = await http.request(method, url, json=body, headers=headers)
                    if response.status_code != 401 or response.headers.get("www-authenticate") != "Bearer":  # fmt: skip
                        refused.append((method.upper(), path, name, response.status_code))
        assert guarded >= 17, f"only {guarded} signed-in operations in the schema"
        assert refused == [], refused
        snapshot = await http.get(f"/api/boards/{board['id']}", headers=owner.headers)
        assert snapshot.json()["seq"] == seq and snapshot.json()["name"] == board["name"]
    codes = {}
    for name, token in tokens.items():
        live = await open_live(server_url, board["id"], token)
        codes[name] = await live.close_code()
    assert set(codes.values()) == {4401}, codes


# Sign-in throttling per address: an app of our own, so no other test's address is blocked.


@pytest.fixture
async def lone_app(
    sqlite_template: SqliteTemplate, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Any]:
    # An unknown username is checked against a decoy Argon2 hash (same cost as a real one); a
    # cheap decoy here keeps 100 refused sign-ins from taking 20 s. Only the throttle is tested.
    monkeypatch.setattr(
        security, "_DUMMY_HASH", PasswordHasher(time_cost=1, memory_cost=64).hash("decoy")
    )
    application = create_app(make_settings(sqlite_template.fresh_copy(tmp_path)))
    async with application.router.lifespan_context(application):
        yield application


def client_from(app: Any, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://taskflow.test")


async def test_one_address_trying_many_usernames_is_throttled(lone_app: Any) -> None:
    async with client_from(lone_app, "10.0.0.1") as guesser, client_from(lone_app, "10.0.0.2") as bystander:  # fmt: skip
        victim = await register(bystander, "victim")
        statuses = []
        for batch in range(10):  # ten at a time: each batch is counted before the next starts
            statuses += [
                response.status_code
                for response in await asyncio.gather(
                    *(
                        guesser.post(
                            "/api/auth/token",
                            data={"username": f"guess{batch}_{index}", "password": "password1"},
                        )
                        for index in range(10)
                    )
                )
            ]
        assert set(statuses) == {401}, statuses
        blocked = await guesser.post(
            "/api/auth/token", data={"username": victim.username, "password": victim.password}
        )
        assert blocked.status_code == 429, blocked.text
        elsewhere = await bystander.post(
            "/api/auth/token", data={"username": victim.username, "password": victim.password}
        )
        assert elsewhere.status_code == 200, "another address is not blocked"


async def test_a_stranger_cannot_lock_the_owner_out(lone_app: Any) -> None:
    """11 wrong guesses a minute used to refuse the account to everyone (a hard per-account lock)."""
    async with client_from(lone_app, "10.0.1.1") as stranger, client_from(lone_app, "10.0.1.2") as owner_side:  # fmt: skip
        victim = await register(owner_side, "lockme")
        statuses = [
            (
                await stranger.post(
                    "/api/auth/token", data={"username": "LockMe", "password": f"guess-{index}"}
                )
            ).status_code
            for index in range(30)
        ]
        assert statuses == [401] * 10 + [429] * 20, statuses
        owner = await owner_side.post(
            "/api/auth/token", data={"username": victim.username, "password": victim.password}
        )
        assert owner.status_code == 200, owner.text


@pytest.mark.cluster
async def test_an_account_is_throttled_across_replicas(
    stack: Stack, front: httpx.AsyncClient, direct: list[httpx.AsyncClient]
) -> None:
    target, other = await account(front), await account(front)
    for index in range(10):
        wrong = await direct[index % 2].post(
            "/api/auth/token", data={"username": target.username, "password": "wrong-password"}
        )
        assert wrong.status_code == 401, wrong.text
    for http in (*direct, front):
        right = await http.post(
            "/api/auth/token", data={"username": target.username, "password": target.password}
        )
        assert right.status_code == 429, f"{http.base_url}: {right.status_code}"
    fine = await front.post(
        "/api/auth/token", data={"username": other.username, "password": other.password}
    )
    assert fine.status_code == 200, "another account from the same address is not blocked"


@pytest.mark.cluster
async def test_a_burst_of_guesses_gets_no_more_tries_than_the_limit(
    stack: Stack, front: httpx.AsyncClient, direct: list[httpx.AsyncClient]
) -> None:
    """30 wrong passwords for one account at once, over both replicas: the limit is 10 a minute,
    so at most 10 may be checked (401); the rest must be refused unchecked (429)."""
    target = await account(front)
    guesses = await asyncio.gather(
        *(
            direct[index % 2].post(
                "/api/auth/token",
                data={"username": target.username, "password": f"guess-{index}"},
            )
            for index in range(30)
        )
    )
    statuses = [response.status_code for response in guesses]
    checked = statuses.count(401)
    assert set(statuses) <= {401, 429}, statuses
    assert checked <= 10, f"{checked} of 30 simultaneous guesses were checked; the limit is 10"


@pytest.mark.cluster
async def test_tokens_stay_out_of_every_log_even_while_an_upstream_fails(
    stack: Stack, front: httpx.AsyncClient, direct: list[httpx.AsyncClient]
) -> None:
    who = await account(front)
    board = (await new_board(front, who))["id"]
    forged = forgeries("not-the-key-" * 3, who, who.id)
    secrets = [who.token, *forged.values()]
    await asyncio.to_thread(stack.kill_replica, 0)
    try:
        for _ in range(3):
            for token in secrets:
                # Where a token must never be (the query string of an API call), and where the
                # live socket puts it; both through Nginx while one replica refuses connections.
                await front.get("/api/users/me", params={"access_token": token})
                await front.get(f"/api/boards/{board}", params={"token": token})
                live = await open_live(stack.url, board, token)
                await live.close()
    finally:
        await asyncio.to_thread(stack.start_replica, 0)
    leaks = secrets_in_logs(stack, [who])
    leaked_forgeries = [
        f"{name} in {log}"
        for name, token in forged.items()
        if len(token) > 12
        for log, text in stack.logs().items()
        if token in text
    ]
    assert not leaks and not leaked_forgeries, (leaks, leaked_forgeries[:5])
