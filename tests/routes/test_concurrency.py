"""Concurrent writers on one board: seqs without gaps, exactly one winner per version."""

from __future__ import annotations

import asyncio
import time

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from taskflow.models import Board, BoardEvent, Task
from tests.routes.conftest import Team, new_task

CREATORS = 50
EDITORS = 20


async def test_concurrent_creations_get_seqs_one_to_n(
    client: httpx.AsyncClient, app: FastAPI, team: Team
) -> None:
    start_seq = team.board["seq"]
    started = time.perf_counter()
    responses = await asyncio.gather(
        *(
            client.post(
                f"/api/boards/{team.id}/tasks", json={"title": f"t{i}"}, headers=team.editor.headers
            )
            for i in range(CREATORS)
        )
    )
    elapsed = time.perf_counter() - started
    assert [r.status_code for r in responses] == [201] * CREATORS
    print(
        f"{CREATORS} concurrent creations: {elapsed:.2f}s on {app.state.resources.db.engine.dialect.name}"
    )
    async with app.state.resources.db.session() as session:
        seqs = await session.execute(
            select(BoardEvent.seq).where(BoardEvent.board_id == team.id, BoardEvent.seq > start_seq)
        )
        assert sorted(seqs.scalars()) == list(range(start_seq + 1, start_seq + CREATORS + 1))
        board = await session.get(Board, team.id)
        assert board is not None and board.seq == start_seq + CREATORS
        positions = list((await session.execute(select(Task.position))).scalars())
    assert len(set(positions)) == CREATORS, "two tasks got the same place"


async def test_concurrent_patches_with_one_version_have_one_winner(
    client: httpx.AsyncClient, app: FastAPI, team: Team
) -> None:
    task = await new_task(client, team)
    headers = {**team.editor.headers, "If-Match": '"1"'}
    responses = await asyncio.gather(
        *(
            client.patch(f"/api/tasks/{task['id']}", json={"title": f"by {i}"}, headers=headers)
            for i in range(EDITORS)
        )
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [412] * (EDITORS - 1)
    [winner] = [r.json() for r in responses if r.status_code == 200]
    assert winner["version"] == 2
    for response in responses:
        if response.status_code == 412:
            assert response.json() == {"detail": winner}
    current = await client.get(f"/api/tasks/{task['id']}", headers=team.viewer.headers)
    assert current.json() == winner
    board = await client.get(f"/api/boards/{team.id}", headers=team.viewer.headers)
    assert board.json()["seq"] == team.board["seq"] + 2


async def test_concurrent_moves_keep_distinct_positions(
    client: httpx.AsyncClient, app: FastAPI, team: Team
) -> None:
    anchor = await new_task(client, team, "anchor")
    movers = [await new_task(client, team, f"m{i}") for i in range(10)]
    responses = await asyncio.gather(
        *(
            client.patch(
                f"/api/tasks/{m['id']}",
                json={"after_id": anchor["id"]},
                headers=team.editor.headers,
            )
            for m in movers
        )
    )
    assert {r.status_code for r in responses} == {200}
    listed = (await client.get(f"/api/boards/{team.id}/tasks", headers=team.viewer.headers)).json()
    positions = [t["position"] for t in listed]
    assert len(set(positions)) == len(positions) == 11 and positions == sorted(positions)
    assert listed[0]["id"] == anchor["id"]
