"""Accounts as the contract states them, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest
from alembic import command
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import create_async_engine

from taskflow.migrate import alembic_config
from taskflow.models import User
from tests.conftest import register

VALID = {"username": "alice", "email": "alice@example.com", "password": "correct horse"}


async def count_users(app) -> int:  # type: ignore[no-untyped-def]
    async with app.state.resources.db.session() as session:
        return int((await session.execute(select(func.count()).select_from(User))).scalar_one())


async def test_register_returns_public_user(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/users", json=VALID)
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "username", "email", "created_at"}
    assert body["username"] == "alice" and body["email"] == "alice@example.com"
    assert datetime.fromisoformat(body["created_at"]).utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("username", "ab"),
        ("username", "x" * 33),
        ("username", "has space"),
        ("username", "émile"),
        ("username", 12345),
        ("email", "not-an-email"),
        ("email", None),
        ("password", "short7!"),
        ("password", "p" * 129),
        ("password", 12345678),
    ],
)
async def test_register_rejects_invalid_field(client, app, field: str, value: object) -> None:  # type: ignore[no-untyped-def]
    response = await client.post("/api/users", json={**VALID, field: value})
    assert response.status_code == 422
    assert any(err["loc"][-1] == field for err in response.json()["detail"])
    assert await count_users(app) == 0


async def test_register_rejects_missing_and_unknown_fields(client, app) -> None:  # type: ignore[no-untyped-def]
    for body in ({"username": "bob"}, {**VALID, "is_admin": True}, [], "text"):
        response = await client.post("/api/users", json=body)
        assert response.status_code == 422, body
    assert await count_users(app) == 0


async def test_validation_error_never_echoes_the_password(client: httpx.AsyncClient) -> None:
    secret = "p" * 129
    response = await client.post("/api/users", json={**VALID, "password": secret})
    assert response.status_code == 422
    assert secret not in response.text
    response = await client.post("/api/users", json={**VALID, "username": "x", "password": 1234})
    assert "1234" not in response.text


async def test_duplicate_username_or_email_is_409(client: httpx.AsyncClient) -> None:
    assert (await client.post("/api/users", json=VALID)).status_code == 201
    same_name = {**VALID, "email": "other@example.com"}
    same_email = {**VALID, "username": "alice2", "email": "ALICE@example.com"}
    assert (await client.post("/api/users", json=same_name)).status_code == 409
    assert (await client.post("/api/users", json=same_email)).status_code == 409


async def test_racing_registrations_give_one_201_and_409s(client, app) -> None:  # type: ignore[no-untyped-def]
    bodies = [{**VALID, "email": f"a{i}@example.com"} for i in range(6)]
    responses = await asyncio.gather(*(client.post("/api/users", json=b) for b in bodies))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201, 409, 409, 409, 409, 409]
    assert await count_users(app) == 1


async def test_token_and_me(client: httpx.AsyncClient) -> None:
    account = await register(client, "carol")
    response = await client.post(
        "/api/auth/token", data={"username": "carol", "password": account.password}
    )
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600
    me = await client.get(
        "/api/users/me", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert me.status_code == 200 and me.json()["username"] == "carol"
    assert "password" not in me.text and "hash" not in me.text


async def test_wrong_password_and_unknown_user_are_the_same_401(client: httpx.AsyncClient) -> None:
    await register(client, "dave")
    wrong = await client.post("/api/auth/token", data={"username": "dave", "password": "nope-nope"})
    unknown = await client.post(
        "/api/auth/token", data={"username": "erin", "password": "nope-nope"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    missing = await client.post("/api/auth/token", data={"username": "dave"})
    assert missing.status_code == 422


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer garbage", "Basic abc", "Bearer a.b.c"])
async def test_me_requires_a_valid_token(client: httpx.AsyncClient, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    response = await client.get("/api/users/me", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


async def test_expired_wrong_key_and_unsigned_tokens_are_refused(client, settings) -> None:  # type: ignore[no-untyped-def]
    account = await register(client, "frank")
    now = datetime.now(UTC)
    claims = {
        "sub": str(account.id),
        "iat": now - timedelta(hours=2),
        "exp": now - timedelta(hours=1),
    }
    expired = jwt.encode(claims, settings.secret_key, algorithm="HS256")
    fresh = {**claims, "exp": now + timedelta(hours=1)}
    wrong_key = jwt.encode(fresh, "another-key-another-key-another-key!", algorithm="HS256")
    unsigned = jwt.encode(fresh, None, algorithm="none")
    for token in (expired, wrong_key, unsigned):
        response = await client.get("/api/users/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401


async def test_failed_sign_ins_are_rate_limited_per_account(client: httpx.AsyncClient) -> None:
    account = await register(client, "gina")
    for _ in range(10):
        r = await client.post(
            "/api/auth/token", data={"username": "gina", "password": "wrong-pass"}
        )
        assert r.status_code == 401
    limited = await client.post(
        "/api/auth/token", data={"username": "gina", "password": account.password}
    )
    assert limited.status_code == 429
    other = await register(client, "hank")
    assert other.token


async def test_password_never_reaches_a_log_line(client, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    account = await register(client, "ivan")
    await client.post("/api/auth/token", data={"username": "ivan", "password": "wrong-password-x"})
    await client.get("/api/users/me", headers=account.headers)
    assert caplog.records, "expected request log lines"
    text = "\n".join(record.getMessage() for record in caplog.records)
    for secret in (account.password, "wrong-password-x", account.token):
        assert secret not in text


async def test_usernames_are_unique_regardless_of_case(client: httpx.AsyncClient) -> None:
    """`Alice` beside `alice` made every sign-in of either answer 500 (two rows found)."""
    alice = await register(client, "alice")
    upper = await client.post(
        "/api/users", json={**VALID, "username": "Alice", "email": "upper@example.com"}
    )
    assert upper.status_code == 409, upper.text
    for spelling in ("alice", "ALICE", "Alice"):
        token = await client.post(
            "/api/auth/token", data={"username": spelling, "password": alice.password}
        )
        assert token.status_code == 200, (spelling, token.text)
    board = await client.post("/api/boards", json={"name": "B"}, headers=alice.headers)
    bob = await register(client, "bob")
    added = await client.post(
        f"/api/boards/{board.json()['id']}/members",
        json={"username": "BOB", "role": "editor"},
        headers=alice.headers,
    )
    assert added.status_code == 201 and added.json()["user_id"] == bob.id, added.text


async def test_the_migration_renames_accounts_that_differ_only_in_case(database_url: str) -> None:
    """A database from before 0002 may hold `alice` and `Alice`: the older keeps its name."""
    config = alembic_config(database_url)
    await asyncio.to_thread(command.downgrade, config, "0001")
    try:
        engine = create_async_engine(database_url)
        async with engine.begin() as conn:
            for username, email in (
                ("alice", "alice@example.com"),
                ("Alice", "Alice2@Example.com"),
                ("ALICE", "ALICE2@example.com"),
            ):
                await conn.execute(
                    text(
                        "INSERT INTO users (username, email, password_hash, created_at) "
                        "VALUES (:u, :e, 'x', CURRENT_TIMESTAMP)"
                    ),
                    {"u": username, "e": email},
                )
        await engine.dispose()
    finally:
        await asyncio.to_thread(command.upgrade, config, "head")
    engine = create_async_engine(database_url)
    async with engine.connect() as conn:
        rows = (await conn.execute(text("SELECT id, username, email FROM users ORDER BY id"))).all()
        with pytest.raises(IntegrityError):
            await conn.execute(
                text(
                    "INSERT INTO users (username, email, password_hash, created_at) "
                    "VALUES ('aLiCe', 'new@example.com', 'x', CURRENT_TIMESTAMP)"
                )
            )
    await engine.dispose()
    first, second, third = rows
    assert first.username == "alice"
    assert second.username == f"Alice_{second.id}" and third.username == f"ALICE_{third.id}"
    assert second.email == "alice2@example.com"
