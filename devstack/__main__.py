"""`python -m devstack` (make stack): the multi-replica topology on this machine until Ctrl-C."""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import threading
import time
from pathlib import Path
from types import FrameType

from devstack.paths import REPO_ROOT
from devstack.stack import REDIS_TOPOLOGIES, Stack, StackOptions
from devstack.waiting import StartupError, log_tail

STACK_DATABASE = "taskflow_stack"
# Git-ignored; logs stay there after the stack stops, and are cleared when it starts again.
STACK_WORKDIR = REPO_ROOT / ".run" / "stack"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m devstack", description=__doc__)
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("PORT", "8080")), help="Nginx port"
    )
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--database", default=STACK_DATABASE, help="kept between runs")
    parser.add_argument(
        "--redis",
        choices=REDIS_TOPOLOGIES,
        default="single",
        help="single: the server on :6379 or a throwaway one; cluster, sentinel: run that topology",
    )
    parser.add_argument("--log-level", default=os.environ.get("LOG_LEVEL", "info"))
    parser.add_argument("--workdir", type=Path, default=STACK_WORKDIR, help="logs, nginx files")
    return parser.parse_args(argv)


def describe(stack: Stack, seconds: float) -> str:
    assert stack.nginx is not None
    lines = [f"TaskFlow stack up in {seconds:.1f}s", f"  nginx      {stack.url}"]
    lines += [f"  {r.name:<10} {r.url}  (log {r.log_path})" for r in stack.replicas]
    lines += [
        f"  database   {stack.database_url}",
        f"  redis      {stack.redis_url}",
        *redis_topology_lines(stack),
        f"  mongodb    {stack.mongodb_uri} (db {stack.env['MONGODB_DATABASE']})",
        f"  nginx logs {stack.nginx.log_dir}",
        "Ctrl-C or SIGTERM stops everything started here.",
    ]
    return "\n".join(lines)


def redis_topology_lines(stack: Stack) -> list[str]:
    """What runs behind the Redis URL, when it is more than one server."""
    indent = " " * 13
    if stack.redis_cluster is not None:
        cluster = stack.redis_cluster
        masters = cluster.masters()
        replicas = [node for node in cluster.nodes if node not in masters]
        return [
            f"{indent}cluster: masters {', '.join(n.address for n in masters)}",
            f"{indent}         replicas {', '.join(n.address for n in replicas)}",
            f"{indent}         logs {cluster.workdir}",
        ]
    if stack.redis_sentinel is not None:
        sentinel = stack.redis_sentinel
        master = sentinel.master()
        standby = [server.address for server in sentinel.servers if server is not master]
        return [
            f"{indent}sentinel: service {sentinel.service_name}, master {master.address}, "
            f"replica {', '.join(standby)}",
            f"{indent}          logs {sentinel.workdir}",
        ]
    return []


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    stop_requested = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop_requested.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    shutil.rmtree(args.workdir, ignore_errors=True)
    args.workdir.mkdir(parents=True)
    options = StackOptions(
        nginx_port=args.port,
        replicas=args.replicas,
        database=args.database,
        redis_topology=args.redis,
        mongodb_database="taskflow",
        own_redis=False,
        environment="development",
        log_level=args.log_level,
        start_timeout=120.0,
        workdir=args.workdir,
    )
    stack = Stack(options)
    began = time.monotonic()
    try:
        stack.start()
    except (StartupError, RuntimeError, FileNotFoundError) as error:
        print(f"devstack: could not start the stack: {error}", file=sys.stderr)
        stack.close()
        return 1
    print(describe(stack, time.monotonic() - began), flush=True)
    try:
        reported: set[str] = set()
        while not stop_requested.wait(1.0):
            # A replica that dies stays dead (Nginx fails over); say so once, with its log.
            for replica in stack.replicas:
                if not replica.running and replica.name not in reported:
                    reported.add(replica.name)
                    print(
                        f"devstack: {replica.name} exited ({replica.returncode}):\n"
                        f"{log_tail(replica.log_path)}",
                        file=sys.stderr,
                        flush=True,
                    )
    finally:
        print("devstack: stopping", flush=True)
        stack.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
