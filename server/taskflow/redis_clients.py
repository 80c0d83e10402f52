"""Redis by URL: one server, a Redis Cluster, or the master that Sentinel points to.

    redis://[user:password@]host:port[/db]                 one server (rediss:// for TLS)
    redis+cluster://[user:password@]host:port[,host:port…] a cluster, from one or more seed nodes
    redis+sentinel://[user:password@]host:port[,host:port…]/service[/db]
                                                           the master Sentinel elects for `service`

The user and password are the data nodes'; sentinels are asked without a password. Hosts are
names or IPv4 addresses (no IPv6 literals: the comma-separated list keeps no brackets).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import unquote

from redis.asyncio import Redis
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import Sentinel
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

RedisClient = Redis | RedisCluster
Topology = Literal["single", "cluster", "sentinel"]

SCHEMES: dict[str, tuple[Topology, bool]] = {
    "redis": ("single", False),
    "rediss": ("single", True),
    "redis+cluster": ("cluster", False),
    "rediss+cluster": ("cluster", True),
    "redis+sentinel": ("sentinel", False),
    "rediss+sentinel": ("sentinel", True),
}
DEFAULT_PORTS: dict[Topology, int] = {"single": 6379, "cluster": 6379, "sentinel": 26379}


@dataclass(frozen=True)
class RedisTarget:
    """Where Redis is and how to reach it; `client()` and `node_client()` connect lazily."""

    url: str
    topology: Topology
    hosts: tuple[tuple[str, int], ...]
    service: str = ""
    db: int = 0
    username: str | None = None
    password: str | None = None
    tls: bool = False

    @classmethod
    def from_url(cls, url: str) -> RedisTarget:
        scheme, sep, rest = url.partition("://")
        if not sep or scheme not in SCHEMES:
            raise ValueError(f"a Redis URL starts with one of {', '.join(SCHEMES)}://")
        topology, tls = SCHEMES[scheme]
        rest, question, _ = rest.partition("?")
        if question and topology != "single":
            raise ValueError(f"{scheme}:// takes no query string")
        netloc, _, path = rest.partition("/")
        userinfo, at, hostlist = netloc.rpartition("@")
        username, password = _credentials(userinfo) if at else (None, None)
        hosts = tuple(_host_port(item, DEFAULT_PORTS[topology]) for item in hostlist.split(","))
        parts = [part for part in path.split("/") if part]
        service = ""
        if topology == "sentinel":
            if not parts:
                raise ValueError("redis+sentinel:// needs the master's service name: …/service")
            service, parts = unquote(parts[0]), parts[1:]
        if topology == "cluster" and parts not in ([], ["0"]):
            raise ValueError("a Redis Cluster has only database 0")
        if len(parts) > 1 or (parts and not parts[0].isdigit()):
            raise ValueError(f"unexpected path in Redis URL: /{path}")
        if topology == "single" and len(hosts) != 1:
            raise ValueError("redis:// takes one host; use redis+cluster:// or redis+sentinel://")
        db = int(parts[0]) if parts else 0
        return cls(url, topology, hosts, service, db, username, password, tls)

    def client(self, *, timeout: float, **options: Any) -> RedisClient:
        """A command client: cluster-aware for a cluster, else one that follows the master."""
        options.update(socket_timeout=timeout, socket_connect_timeout=timeout)
        if self.topology == "cluster":
            # redis-py follows MOVED and ASK and retries over a refreshed slot map on its own;
            # slots of a master that is failing over must not stop commands to the others.
            return RedisCluster(
                startup_nodes=[ClusterNode(host, port) for host, port in self.hosts],
                username=self.username,
                password=self.password,
                ssl=self.tls,
                require_full_coverage=False,
                **options,
            )
        # A pooled connection that died with a Redis restart or a failover is retried once,
        # on a new connection (to the new master, behind Sentinel).
        options.setdefault("retry", Retry(NoBackoff(), 1))
        options.setdefault("retry_on_error", [RedisConnectionError, RedisTimeoutError])
        return self.node_client(**options)

    def node_client(self, **options: Any) -> Redis:
        """A client of one server: the single one, or Sentinel's current master."""
        if self.topology == "cluster":
            raise ValueError("a cluster has no single node to talk to")
        if self.topology == "sentinel":
            sentinel_options = {k: v for k, v in options.items() if k.startswith("socket_")}
            sentinel = Sentinel(list(self.hosts), sentinel_kwargs=sentinel_options)
            # The pool asks the sentinels for the master on every new connection, so a
            # connection opened after a failover reaches the new master.
            master: Redis = sentinel.master_for(
                self.service,
                db=self.db,
                username=self.username,
                password=self.password,
                ssl=self.tls,
                **options,
            )
            return master
        # One server: redis-py reads the URL itself, query options included, as it always has.
        return Redis.from_url(self.url, **options)

    def describe(self) -> str:
        """The URL without its password, for logs."""
        hosts = ",".join(f"{host}:{port}" for host, port in self.hosts)
        path = f"/{self.service}" if self.service else ""
        return f"{self.topology} {hosts}{path}/{self.db}"


def _credentials(userinfo: str) -> tuple[str | None, str | None]:
    user, _, password = userinfo.partition(":")
    return unquote(user) or None, unquote(password) or None


def _host_port(item: str, default_port: int) -> tuple[str, int]:
    host, colon, port = item.strip().partition(":")
    if not host or "[" in host:
        raise ValueError(f"bad Redis host {item!r}: host or host:port, IPv4 or a name")
    if not colon:
        return host, default_port
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"bad Redis port in {item!r}")
    return host, int(port)


async def close_client(client: RedisClient) -> None:
    """Close a client and, behind Sentinel, its connections to the sentinels."""
    await client.aclose()
    sentinel = (
        getattr(client.connection_pool, "sentinel_manager", None)
        if isinstance(client, Redis)
        else None
    )
    if isinstance(sentinel, Sentinel):
        for node in sentinel.sentinels:
            await node.aclose()
