"""Card details and the trash on two replicas: each change reaches every subscriber once, in order."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from devstack.watcher import wait_all

from devstack import Stack
from tests.cluster.cluster import Team, board_seq
from tests.cluster.conftest import Subscribe
from tests.support.delivery import assert_exactly_once_in_order, assert_same_frames

pytestmark = pytest.mark.cluster


async def test_labels_comments_checklists_and_restores_reach_both_replicas_in_order(
    stack: Stack,
    front: httpx.AsyncClient,
    direct: list[httpx.AsyncClient],
    team: Team,
    subscribe: Subscribe,
) -> None:
    board = team.board_id
    subscribers = [
        await subscribe(f"replica {index}", replica.url, board, team.owner)
        for index, replica in enumerate(stack.replicas)
    ]
    base = await board_seq(front, team.owner, board)
    one, two = direct
    owner, editor = team.owner.headers, team.editor.headers

    async def ok(response: httpx.Response, status: int = 200) -> dict[str, object]:
        assert response.status_code == status, response.text
        return response.json() if response.content else {}

    # Writes alternate between the replicas, so every event crosses Redis to half the sockets.
    label = await ok(
        await one.post(f"/api/boards/{board}/labels", json={"name": "urgent", "color": "red"},
                       headers=owner), 201,
    )  # fmt: skip
    task = await ok(
        await two.post(f"/api/boards/{board}/tasks",
                       json={"title": "Launch plan", "label_ids": [label["id"]]}, headers=editor),
        201,
    )  # fmt: skip
    comment = await ok(
        await one.post(f"/api/tasks/{task['id']}/comments", json={"body": "first draft"},
                       headers=editor), 201,
    )  # fmt: skip
    item = await ok(
        await two.post(f"/api/tasks/{task['id']}/checklist", json={"text": "write it"},
                       headers=owner), 201,
    )  # fmt: skip
    await ok(await one.patch(f"/api/checklist/{item['id']}", json={"done": True}, headers=editor))
    await ok(await two.delete(f"/api/comments/{comment['id']}", headers=editor), 204)
    await ok(await one.post(f"/api/comments/{comment['id']}/restore", headers=owner))
    await ok(await two.delete(f"/api/tasks/{task['id']}", headers=editor), 204)
    restored = await ok(await one.post(f"/api/tasks/{task['id']}/restore", headers=editor))

    names = [
        "label.created", "task.created", "comment.created", "checklist.created",
        "checklist.updated", "comment.deleted", "comment.restored", "task.deleted",
        "task.restored",
    ]  # fmt: skip
    head = base + len(names)
    assert await board_seq(front, team.owner, board) == head
    await wait_all(subscribers, head)
    await asyncio.sleep(0.3)  # anything delivered twice or late would land now
    for subscriber in subscribers:
        assert_exactly_once_in_order(subscriber, head, first_seq=base + 1)
        assert [event["name"] for event in subscriber.events] == names
    assert_same_frames(subscribers)

    # The restored card is the card that was deleted: same place, labels and counters.
    assert restored["id"] == task["id"]
    assert (restored["column_id"], restored["position"]) == (task["column_id"], task["position"])
    assert restored["label_ids"] == [label["id"]]
    assert (restored["comment_count"], restored["checklist_total"]) == (1, 1)
    assert restored["checklist_done"] == 1
    snapshot = await ok(await two.get(f"/api/boards/{board}", headers=editor))
    assert [t["id"] for t in snapshot["tasks"]] == [task["id"]]
    assert [lab["name"] for lab in snapshot["labels"]] == ["urgent"]


async def test_a_deleted_board_closes_its_sockets_and_comes_back_for_its_owner(
    stack: Stack,
    front: httpx.AsyncClient,
    direct: list[httpx.AsyncClient],
    team: Team,
    subscribe: Subscribe,
) -> None:
    board = team.board_id
    subscribers = [
        await subscribe(f"replica {index}", replica.url, board, team.editor)
        for index, replica in enumerate(stack.replicas)
    ]
    one, two = direct
    deleted = await one.delete(f"/api/boards/{board}", headers=team.owner.headers)
    assert deleted.status_code == 204, deleted.text
    for subscriber in subscribers:
        await subscriber.wait_until(lambda s=subscriber: bool(s.closes), "close", timeout=20.0)
        assert subscriber.closes == [4410]
    gone = await two.get(f"/api/boards/{board}", headers=team.editor.headers)
    assert gone.status_code == 404

    trash = await two.get("/api/trash/boards", headers=team.owner.headers)
    assert [item["object_id"] for item in trash.json()] == [board]
    assert (await two.get("/api/trash/boards", headers=team.editor.headers)).json() == []
    refused = await one.post(f"/api/boards/{board}/restore", headers=team.editor.headers)
    assert refused.status_code == 404
    restored = await one.post(f"/api/boards/{board}/restore", headers=team.owner.headers)
    assert restored.status_code == 200, restored.text
    listed = await two.get("/api/boards", headers=team.editor.headers)
    assert board in [b["id"] for b in listed.json()]
