"""Sessions over REST: the refresh cookie, rotation, replay, expiry, sign-out, the list."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from taskflow.main import create_app
from taskflow.web.session_cookie import REFRESH_COOKIE
from tests.conftest import TIMEOUT_UNIT, make_settings, register

REFRESH = "/api/auth/refresh"


def refresh_cookie(response: httpx.Response) -> str:
    header = next(
        value
        for value in response.headers.get_list("set-cookie")
        if value.startswith(f"{REFRESH_COOKIE}=")
    )
    return header


async def post_with_cookie(http: httpx.AsyncClient, path: str, credential: str) -> httpx.Response:
    """`path` with exactly this refresh credential (the client's own jar set aside)."""
    http.cookies.clear()
    return await http.post(path, headers={"Cookie": f"{REFRESH_COOKIE}={credential}"})


async def sign_in_again(http: httpx.AsyncClient, username: str, password: str) -> str:
    response = await http.post("/api/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


async def test_sign_in_sets_a_strict_http_only_cookie_on_the_auth_path(client) -> None:  # type: ignore[no-untyped-def]
    await client.post(
        "/api/users",
        json={"username": "ann", "email": "ann@example.com", "password": "pw-ann-secret"},
    )
    response = await client.post(
        "/api/auth/token", data={"username": "ann", "password": "pw-ann-secret"}
    )
    assert set(response.json()) == {"access_token", "token_type", "expires_in"}
    cookie = refresh_cookie(response).lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/api/auth" in cookie
    assert "secure" not in cookie.replace("samesite", "")
    assert response.json()["access_token"] not in response.headers["set-cookie"]


async def test_the_cookie_is_secure_over_tls(app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="https://taskflow.test") as http:
        await register(http, "tls")
        response = await http.post(
            "/api/auth/token", data={"username": "tls", "password": "pw-tls-secret"}
        )
    assert "; secure" in refresh_cookie(response).lower()


async def test_refresh_rotates_the_cookie_and_issues_a_working_token(client) -> None:  # type: ignore[no-untyped-def]
    account = await register(client, "bea")
    first = client.cookies[REFRESH_COOKIE]
    response = await client.post(REFRESH)
    assert response.status_code == 200, response.text
    assert response.json()["token_type"] == "bearer"
    second = client.cookies[REFRESH_COOKIE]
    assert second != first
    token = response.json()["access_token"]
    me = await client.get("/api/users/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["id"] == account.id
    assert (await client.get("/api/users/me", headers=account.headers)).status_code == 200


async def test_a_replayed_refresh_credential_ends_the_whole_session(client) -> None:  # type: ignore[no-untyped-def]
    account = await register(client, "cid")
    stolen = client.cookies[REFRESH_COOKIE]
    rotated = await client.post(REFRESH)
    assert rotated.status_code == 200
    current = client.cookies[REFRESH_COOKIE]
    replay = await post_with_cookie(client, REFRESH, stolen)
    assert replay.status_code == 401
    # Every credential and access token of that session is dead now, the owner's included.
    client.cookies.clear()
    assert (await post_with_cookie(client, REFRESH, current)).status_code == 401
    fresh = {"Authorization": f"Bearer {rotated.json()['access_token']}"}
    assert (await client.get("/api/users/me", headers=fresh)).status_code == 401
    assert (await client.get("/api/users/me", headers=account.headers)).status_code == 401


async def test_refresh_without_or_with_a_bad_cookie_is_401(client) -> None:  # type: ignore[no-untyped-def]
    assert (await client.post(REFRESH)).status_code == 401
    bad = await post_with_cookie(client, REFRESH, "made-up")
    assert bad.status_code == 401


async def test_logout_ends_this_session_only(client) -> None:  # type: ignore[no-untyped-def]
    account = await register(client, "dan")
    here = client.cookies[REFRESH_COOKIE]
    client.cookies.clear()
    elsewhere = await sign_in_again(client, "dan", account.password)
    client.cookies.clear()
    response = await post_with_cookie(client, "/api/auth/logout", here)
    assert response.status_code == 204
    assert 'taskflow_refresh=""' in response.headers["set-cookie"]
    assert (await client.get("/api/users/me", headers=account.headers)).status_code == 401
    assert (await post_with_cookie(client, REFRESH, here)).status_code == 401
    other = {"Authorization": f"Bearer {elsewhere}"}
    assert (await client.get("/api/users/me", headers=other)).status_code == 200


async def test_logout_with_only_a_bearer_token_ends_its_session(client) -> None:  # type: ignore[no-untyped-def]
    account = await register(client, "eve")
    client.cookies.clear()
    response = await client.post("/api/auth/logout", headers=account.headers)
    assert response.status_code == 204
    assert (await client.get("/api/users/me", headers=account.headers)).status_code == 401
    assert (await client.post("/api/auth/logout")).status_code == 204  # nothing to end: still 204


async def test_logout_all_ends_every_session_of_the_user_only(client) -> None:  # type: ignore[no-untyped-def]
    account = await register(client, "fay")
    other_user = await register(client, "gus")
    second = await sign_in_again(client, "fay", account.password)
    response = await client.post("/api/auth/logout-all", headers=account.headers)
    assert response.status_code == 204
    for token in (account.token, second):
        me = await client.get("/api/users/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 401
    assert (await client.get("/api/users/me", headers=other_user.headers)).status_code == 200
    assert (await client.post("/api/auth/logout-all")).status_code == 401


async def test_sessions_are_listed_with_device_and_can_be_revoked_one_by_one(client) -> None:  # type: ignore[no-untyped-def]
    account = await register(client, "hal")
    phone = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36"
    signed_in = await client.post(
        "/api/auth/token",
        data={"username": "hal", "password": account.password},
        headers={"User-Agent": phone},
    )
    phone_headers = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
    listed = await client.get("/api/auth/sessions", headers=account.headers)
    assert listed.status_code == 200
    rows = listed.json()
    assert len(rows) == 2
    assert {
        "id",
        "device",
        "user_agent",
        "created_at",
        "last_seen_at",
        "expires_at",
        "current",
    } == set(rows[0])
    assert [row["current"] for row in rows].count(True) == 1
    phone_row = next(row for row in rows if row["device"] == "Chrome on Android")
    assert not phone_row["current"]
    stranger = await register(client, "ike")
    refused = await client.delete(f"/api/auth/sessions/{phone_row['id']}", headers=stranger.headers)
    assert refused.status_code == 404
    revoked = await client.delete(f"/api/auth/sessions/{phone_row['id']}", headers=account.headers)
    assert revoked.status_code == 204
    assert (await client.get("/api/users/me", headers=phone_headers)).status_code == 401
    assert (await client.get("/api/users/me", headers=account.headers)).status_code == 200
    again = await client.delete(f"/api/auth/sessions/{phone_row['id']}", headers=account.headers)
    assert again.status_code == 404


@pytest.fixture
async def short_client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """Access tokens of 2 seconds, sessions idle for at most 4 seconds."""
    settings = make_settings(
        database_url, access_token_expire_minutes=2 / 60, session_idle_days=4 / 86400
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://taskflow.test") as http:
            yield http


async def test_a_session_outlives_its_access_tokens_until_it_sits_idle(short_client) -> None:  # type: ignore[no-untyped-def]
    account = await register(short_client, "joe")
    signed_in = await short_client.post(
        "/api/auth/token", data={"username": "joe", "password": account.password}
    )
    assert signed_in.json()["expires_in"] == 2
    await asyncio.sleep(2.2)
    assert (await short_client.get("/api/users/me", headers=account.headers)).status_code == 401
    for _ in range(2):  # each refresh moves the idle expiry: the session lives on
        refreshed = await short_client.post(REFRESH)
        assert refreshed.status_code == 200
        token = refreshed.json()["access_token"]
        me = await short_client.get("/api/users/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200
        await asyncio.sleep(2.2)
    last = short_client.cookies[REFRESH_COOKIE]
    await asyncio.sleep(2.0 * TIMEOUT_UNIT)  # idle past 4 s: the server refuses it too
    assert (await post_with_cookie(short_client, REFRESH, last)).status_code == 401


async def test_refresh_is_throttled_per_address_and_valid_ones_are_not_counted(client) -> None:  # type: ignore[no-untyped-def]
    await register(client, "lou")
    valid = client.cookies[REFRESH_COOKIE]
    for _ in range(5):
        refreshed = await post_with_cookie(client, REFRESH, valid)
        assert refreshed.status_code == 200
        valid = refreshed.cookies[REFRESH_COOKIE]
    # Sign-in took its attempt back too: 100 guesses from this address, then 429.
    statuses = [
        (await post_with_cookie(client, REFRESH, f"guess-{n}")).status_code for n in range(101)
    ]
    assert statuses[:100] == [401] * 100
    assert statuses[100] == 429
    assert (await post_with_cookie(client, REFRESH, valid)).status_code == 429


async def test_no_refresh_credential_or_token_reaches_a_log_line(client, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    account = await register(client, "kim")
    first = client.cookies[REFRESH_COOKIE]
    refreshed = await client.post(REFRESH)
    second = client.cookies[REFRESH_COOKIE]
    await post_with_cookie(client, REFRESH, first)  # a replay, refused
    await client.post("/api/auth/logout")
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert caplog.records
    for secret in (first, second, account.token, refreshed.json()["access_token"]):
        assert secret not in text


async def test_the_cookie_is_secure_behind_a_tls_proxy(server_url: str) -> None:
    """uvicorn believes X-Forwarded-Proto from FORWARDED_ALLOW_IPS (loopback here), as behind Nginx."""
    async with httpx.AsyncClient(base_url=server_url) as http:
        await register(http, "proxied")
        response = await http.post(
            "/api/auth/token",
            data={"username": "proxied", "password": "pw-proxied-secret"},
            headers={"X-Forwarded-Proto": "https"},
        )
    assert "; secure" in refresh_cookie(response).lower()
