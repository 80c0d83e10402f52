"""API paths never reach the static client: JSON 404, a 405 with the real `Allow`, OPTIONS."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import Account


@pytest.mark.parametrize(
    ("path", "allow"),
    [
        ("/api/boards/1", "GET, PATCH, DELETE, OPTIONS"),
        ("/api/boards", "GET, POST, OPTIONS"),
        ("/api/tasks/7", "GET, PATCH, DELETE, OPTIONS"),
        ("/api/users/me", "GET, OPTIONS"),
        ("/api/boards/1/members/2", "DELETE, OPTIONS"),
    ],
)
async def test_options_lists_the_methods_of_the_path(
    client: httpx.AsyncClient, path: str, allow: str
) -> None:
    response = await client.options(path)
    assert response.status_code == 204
    assert response.headers["allow"] == allow


@pytest.mark.parametrize("method", ["PUT", "HEAD", "POST"])
async def test_a_wrong_method_is_405_with_allow(client: httpx.AsyncClient, method: str) -> None:
    response = await client.request(method, "/api/boards/1")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, PATCH, DELETE, OPTIONS"
    if method != "HEAD":
        assert response.json() == {"detail": f"method {method} not allowed here"}


@pytest.mark.parametrize("path", ["/api/nope", "/api/boards/1/nope", "/api/boards/x/y/z"])
async def test_an_unknown_api_path_is_a_json_404(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"detail": "no such API path"}


async def test_routes_still_answer_and_the_client_is_still_served(
    client: httpx.AsyncClient, make_account: object
) -> None:
    account: Account = await make_account()  # type: ignore[operator]
    assert (await client.get("/api/users/me", headers=account.headers)).status_code == 200
    assert (await client.get("/")).headers["content-type"].startswith("text/html")
