"""Nginx in front of real replicas: the client address a replica believes, the sign-in throttle.

Other loopback addresses (127.0.0.2, 127.0.0.3) stand for other clients: Nginx listens on
127.0.0.1 and sees each as its own peer, and so do the replicas, which trust Nginx alone.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections import Counter

import httpx
import pytest

from devstack import Stack
from tests.cluster.cluster import new_account
from tests.conftest import TIMEOUT_UNIT

pytestmark = pytest.mark.cluster

FORGED = "6.6.6.6"


def client_from(stack: Stack, address: str) -> httpx.AsyncClient:
    transport = httpx.AsyncHTTPTransport(local_address=address)
    return httpx.AsyncClient(
        base_url=stack.url, transport=transport, timeout=20 * TIMEOUT_UNIT, trust_env=False
    )


def replica_lines(stack: Stack, marker: str) -> list[str]:
    logs = stack.logs()
    return [
        line
        for replica in stack.replicas
        for line in logs[replica.name].splitlines()
        if marker in line
    ]


async def test_a_forged_x_forwarded_for_never_reaches_a_replica(stack: Stack) -> None:
    marker = uuid.uuid4().hex
    addresses = ("127.0.0.1", "127.0.0.2")
    for address in addresses:
        async with client_from(stack, address) as client:
            for attempt in range(4):  # least_conn spreads them over both replicas
                response = await client.get(
                    f"/api/forged-{marker}-{address}-{attempt}",
                    headers={"X-Forwarded-For": FORGED, "X-Real-IP": FORGED},
                )
                assert response.status_code == 404, response.text
    # The access line is written once the answer is out: wait for all eight, bounded.
    for _ in range(int(50 * TIMEOUT_UNIT)):
        if len(replica_lines(stack, marker)) >= 8:
            break
        await asyncio.sleep(0.1)
    lines = replica_lines(stack, marker)
    assert len(lines) == 8, lines
    pattern = re.compile(rf'(\S+) "GET /api/forged-{marker}-(\S+)-\d" 404 ')
    for line in lines:
        match = pattern.search(line)
        assert match, line
        logged, sent_from = match.groups()
        assert logged == sent_from, f"the replica logged {logged} for a request from {sent_from}"
    assert not any(FORGED in text for name, text in stack.logs().items() if "replica" in name)


async def test_a_burst_of_sign_ins_beyond_the_limit_gets_429_from_nginx(
    stack: Stack, front: httpx.AsyncClient
) -> None:
    account = await new_account(front, "burst")
    form = {"username": account.username, "password": account.password}
    address = "127.0.0.3"
    async with client_from(stack, address) as client:
        answers = await asyncio.gather(
            *(client.post("/api/auth/token", data=form) for _ in range(30))
        )
    access = stack.logs()["nginx-access"].splitlines()
    ours = [line for line in access if line.startswith(f"{address} ") and "/api/auth/token" in line]
    assert len(ours) == 30
    # Nginx's refusals never reached a replica (upstream=-). The replicas' own throttle may
    # refuse some of the others (it caps attempts in flight per account): not what this tests.
    at_nginx = [line for line in ours if "upstream=- " in line]
    assert all('" 429 ' in line for line in at_nginx), at_nginx
    passed = 30 - len(at_nginx)
    # About 1 + burst 10 at once (+ what 5/s adds while they are in flight), the rest 429.
    assert 10 <= passed <= 14, Counter(answer.status_code for answer in answers)
    statuses = Counter(answer.status_code for answer in answers)
    assert set(statuses) <= {200, 429} and statuses[429] >= len(at_nginx), statuses
    for refused in (answer for answer in answers if answer.status_code == 429):
        assert refused.headers["content-type"] == "application/json"
        assert refused.json()["detail"]
    # Another address is not held back.
    again = await front.post("/api/auth/token", data=form)
    assert again.status_code == 200, again.text
