"""Run TaskFlow's multi-replica topology natively on 127.0.0.1, for `make stack` and tests.

One module per piece: ports, process, waiting, postgres, redis (redis_cluster and redis_sentinel
for the topologies past one server), mongo, replica, nginx, stack.
Clients for tests and the bench: watcher (a live-board socket), asyncapi (frames checked
against /asyncapi.json).
"""

from devstack.mongo import MongoWireServer
from devstack.nginx import NginxServer, render_nginx_config
from devstack.ports import free_port, port_accepts
from devstack.postgres import PostgresCluster, create_database, drop_database, ensure_postgres
from devstack.redis import RedisServer, ensure_redis
from devstack.redis_cluster import RedisClusterTopology
from devstack.redis_sentinel import RedisSentinelTopology
from devstack.replica import Replica
from devstack.stack import Stack, StackOptions
from devstack.waiting import StartupError

__all__ = [
    "MongoWireServer",
    "NginxServer",
    "PostgresCluster",
    "RedisClusterTopology",
    "RedisSentinelTopology",
    "RedisServer",
    "Replica",
    "Stack",
    "StackOptions",
    "StartupError",
    "create_database",
    "drop_database",
    "ensure_postgres",
    "ensure_redis",
    "free_port",
    "port_accepts",
    "render_nginx_config",
]
