"""Cluster tests run on the session's stack (two replicas, Nginx, Redis, PostgreSQL).

Every account they make is remembered, so the log check can look for each token and password.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from devstack.watcher import Watcher

from tests.cluster.cluster import LOG_CHECK_MODULE, Team, make_team
from tests.conftest import Account

Subscribe = Callable[..., Awaitable[Watcher]]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The log check reads what every other cluster test made the stack write.
    items.sort(key=lambda item: item.path.name == LOG_CHECK_MODULE)


@pytest.fixture
async def team(front: httpx.AsyncClient) -> Team:
    """A fresh board with its owner and an editor, made through Nginx."""
    return await make_team(front)


@pytest.fixture
async def subscribe() -> AsyncIterator[Subscribe]:
    """Opens subscribers (see Watcher) and closes them all when the test ends."""
    opened: list[Watcher] = []

    async def factory(
        name: str,
        url: str,
        board_id: int,
        account: Account,
        resume_url: str | None = None,
        resume_delay: float = 0.0,
    ) -> Watcher:
        subscriber = Watcher(
            name,
            url,
            board_id,
            account.token,
            resume_url=resume_url,
            resume_delay=resume_delay,
            resume_deadline=20.0,
            max_resumes=5,
        )
        await subscriber.start()
        opened.append(subscriber)
        return subscriber

    yield factory
    for subscriber in opened:
        await subscriber.close()
