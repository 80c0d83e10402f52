"""REDIS_URL forms: one server, a cluster from seed nodes, a master found through Sentinel."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster

from taskflow.config import Settings
from taskflow.redis_clients import RedisTarget, close_client


@pytest.mark.parametrize(
    ("url", "topology", "hosts", "service", "db", "username", "password"),
    [
        ("redis://127.0.0.1:6379/0", "single", [("127.0.0.1", 6379)], "", 0, None, None),
        ("redis://:s%40cret@redis:6380/2", "single", [("redis", 6380)], "", 2, None, "s@cret"),
        (
            "redis+cluster://127.0.0.1:7001,127.0.0.1:7002,node-c",
            "cluster",
            [("127.0.0.1", 7001), ("127.0.0.1", 7002), ("node-c", 6379)],
            "",
            0,
            None,
            None,
        ),
        (
            "redis+cluster://app:pw@10.0.0.1:7001/",
            "cluster",
            [("10.0.0.1", 7001)],
            "",
            0,
            "app",
            "pw",
        ),
        (
            "redis+sentinel://:pw@s1:26379,s2,s3:26380/taskflow/3",
            "sentinel",
            [("s1", 26379), ("s2", 26379), ("s3", 26380)],
            "taskflow",
            3,
            None,
            "pw",
        ),
        ("redis+sentinel://s1/mymaster", "sentinel", [("s1", 26379)], "mymaster", 0, None, None),
    ],
)
def test_urls_name_topology_hosts_and_credentials(
    url: str,
    topology: str,
    hosts: list[tuple[str, int]],
    service: str,
    db: int,
    username: str | None,
    password: str | None,
) -> None:
    target = RedisTarget.from_url(url)
    assert (target.topology, list(target.hosts), target.service, target.db) == (
        topology,
        hosts,
        service,
        db,
    )
    assert (target.username, target.password) == (username, password)
    assert "pw" not in target.describe() and "cret" not in target.describe()


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://127.0.0.1:6379", "starts with one of"),
        ("redis+sentinel://s1:26379", "service name"),
        ("redis+cluster://a:7001/3", "only database 0"),
        ("redis+cluster://a:7001?ssl=true", "no query string"),
        ("redis://a:6379,b:6379/0", "one host"),
        ("redis+cluster://a:notaport", "bad Redis port"),
        ("redis+cluster://[::1]:7001", "IPv4 or a name"),
        ("redis+sentinel://s1/taskflow/zero", "unexpected path"),
    ],
)
def test_bad_urls_are_refused_with_a_reason(url: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        RedisTarget.from_url(url)
    with pytest.raises(ValidationError, match=words):
        Settings(redis_url=url)


def test_settings_take_every_topology() -> None:
    for url in ("", "memory://", "redis://h:1/0", "redis+cluster://h:1", "redis+sentinel://h/m"):
        settings = Settings(redis_url=url)
        assert settings.uses_redis == (url not in ("", "memory://"))


async def test_clients_match_the_topology_and_connect_lazily() -> None:
    # Nothing listens on these ports: building a client must not connect.
    cluster = RedisTarget.from_url("redis+cluster://127.0.0.1:9,127.0.0.1:10").client(timeout=1)
    single = RedisTarget.from_url("redis://127.0.0.1:9/1").client(timeout=1)
    sentinel = RedisTarget.from_url("redis+sentinel://127.0.0.1:9/taskflow").client(timeout=1)
    assert isinstance(cluster, RedisCluster)
    assert isinstance(single, Redis) and isinstance(sentinel, Redis)
    with pytest.raises(ValueError, match="no single node"):
        RedisTarget.from_url("redis+cluster://127.0.0.1:9").node_client()
    for client in (cluster, single, sentinel):
        await close_client(client)
