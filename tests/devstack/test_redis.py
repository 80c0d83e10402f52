"""devstack.redis: the shared server is found, a throwaway one stops and comes back on its port."""

from __future__ import annotations

from devstack.ports import port_accepts
from devstack.redis import RedisServer, ensure_redis, redis_answers

import redis


def test_ensure_redis_gives_a_server_that_answers() -> None:
    client = redis.Redis.from_url(ensure_redis())
    try:
        assert client.ping() is True
    finally:
        client.close()


def test_throwaway_redis_restarts_on_the_same_port_and_keeps_nothing() -> None:
    with RedisServer() as server:
        client = redis.Redis.from_url(server.url, socket_timeout=2)
        try:
            client.set("devstack:key", "value")
            assert client.get("devstack:key") == b"value"
            port = server.port
            server.stop()
            assert not port_accepts(port) and not redis_answers(port)
            server.start()
            assert server.port == port and redis_answers(port)
            # --save "" --appendonly no: a restart is an empty server, as a crash would leave it.
            assert client.get("devstack:key") is None
        finally:
            client.close()
    assert not port_accepts(port)
    assert not server.workdir.exists()
