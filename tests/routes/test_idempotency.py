"""REST creates with `Idempotency-Key`: applied once, the first answer replayed, also in a race."""

from __future__ import annotations

import asyncio

import httpx

from tests.conftest import Account, register
from tests.support.live import new_board


async def test_a_retried_create_is_applied_once(client: httpx.AsyncClient) -> None:
    owner = await register(client, "olga")
    board = await new_board(client, owner)
    headers = {**owner.headers, "Idempotency-Key": "create-1"}
    url = f"/api/boards/{board['id']}/tasks"
    first = await client.post(url, json={"title": "Once"}, headers=headers)
    again = await client.post(url, json={"title": "Once"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    other = await client.post(
        url, json={"title": "Twice"}, headers={**owner.headers, "Idempotency-Key": "create-2"}
    )
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]
    snapshot = (await client.get(f"/api/boards/{board['id']}", headers=owner.headers)).json()
    assert [task["title"] for task in snapshot["tasks"]] == ["Once", "Twice"]
    assert snapshot["seq"] == 2


async def test_racing_retries_give_one_change_and_one_answer(client: httpx.AsyncClient) -> None:
    owner = await register(client, "pavel")
    board = await new_board(client, owner)
    headers = {**owner.headers, "Idempotency-Key": "race"}
    responses = await asyncio.gather(
        *(
            client.post(
                f"/api/boards/{board['id']}/columns", json={"name": "Review"}, headers=headers
            )
            for _ in range(6)
        )
    )
    assert {response.status_code for response in responses} == {201}
    assert len({response.json()["id"] for response in responses}) == 1
    snapshot = (await client.get(f"/api/boards/{board['id']}", headers=owner.headers)).json()
    assert [column["name"] for column in snapshot["columns"]].count("Review") == 1
    assert snapshot["seq"] == 1


async def test_keys_are_per_user_and_per_route(client: httpx.AsyncClient) -> None:
    alice: Account = await register(client, "quinn")
    bob: Account = await register(client, "rita")
    key = {"Idempotency-Key": "same-key"}
    a = await client.post("/api/boards", json={"name": "A"}, headers={**alice.headers, **key})
    b = await client.post("/api/boards", json={"name": "B"}, headers={**bob.headers, **key})
    assert a.status_code == b.status_code == 201 and a.json()["id"] != b.json()["id"]
    task = await client.post(
        f"/api/boards/{a.json()['id']}/tasks", json={"title": "t"}, headers={**alice.headers, **key}
    )
    assert task.status_code == 201 and task.json()["title"] == "t"
    member = await client.post(
        f"/api/boards/{a.json()['id']}/members",
        json={"username": bob.username, "role": "viewer"},
        headers={**alice.headers, **key},
    )
    again = await client.post(
        f"/api/boards/{a.json()['id']}/members",
        json={"username": bob.username, "role": "viewer"},
        headers={**alice.headers, **key},
    )
    assert member.status_code == again.status_code == 201 and member.json() == again.json()


async def test_a_failed_create_is_not_remembered(client: httpx.AsyncClient) -> None:
    owner = await register(client, "sam")
    board = await new_board(client, owner)
    headers = {**owner.headers, "Idempotency-Key": "fix-and-retry"}
    bad = await client.post(f"/api/boards/{board['id']}/tasks", json={"title": ""}, headers=headers)
    assert bad.status_code == 422
    good = await client.post(
        f"/api/boards/{board['id']}/tasks", json={"title": "fixed"}, headers=headers
    )
    assert good.status_code == 201


async def test_a_malformed_key_is_422(client: httpx.AsyncClient) -> None:
    owner = await register(client, "tara")
    for key in ("", "x" * 201, "has space"):
        response = await client.post(
            "/api/boards", json={"name": "K"}, headers={**owner.headers, "Idempotency-Key": key}
        )
        assert response.status_code == 422, key
