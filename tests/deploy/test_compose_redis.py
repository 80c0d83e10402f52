"""The compose `redis` service run for real: its command, its healthcheck and the server's REDIS_URL.

No Docker engine here, so the container is imitated with what matters to this check: a network
namespace of its own (`unshare`, root), where `redis-server` runs with exactly the compose
command on the default port and the name `redis` resolves to it (/etc/hosts, bind-mounted in a
mount namespace of its own), so the healthcheck and REDIS_URL are used word for word.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.conftest import TIMEOUT_UNIT
from tests.deploy.repo_files import effective_env, service

# Runs inside the namespaces: start the composed redis-server, then report what each client got.
INSIDE = r"""
import json, os, subprocess, sys, time
import redis

command, healthcheck, env, url = json.loads(sys.argv[1])
server = subprocess.Popen(command, stdout=open("redis.log", "wb"), stderr=subprocess.STDOUT)
try:
    deadline = time.monotonic() + float(sys.argv[2])
    while True:
        try:
            redis.Redis(host="redis", socket_timeout=1).ping()
            break
        except redis.AuthenticationError:
            break  # up, and asking for a password
        except redis.ConnectionError:
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("redis-server did not start: " + open("redis.log").read())
            time.sleep(0.05)

    def health(extra):
        done = subprocess.run(["sh", "-c", healthcheck], env={**os.environ, **extra}, timeout=30)
        return done.returncode

    def publish(address):
        try:
            return ["published", redis.Redis.from_url(address).publish("board:1", "{}")]
        except redis.RedisError as error:
            return [type(error).__name__, str(error)]

    report = {
        "healthcheck_with_service_env": health(env),
        "healthcheck_without_password": health({}),
        "publish_with_redis_url": publish(url),
        "publish_without_password": publish("redis://redis:6379/0"),
        "publish_with_wrong_password": publish("redis://:wrong@redis:6379/0"),
    }
    print(json.dumps(report))
finally:
    server.terminate()
    server.wait(10)
"""


def run_in_own_network(tmp_path: Path, arguments: list[Any]) -> dict[str, Any]:
    for tool in ("unshare", "ip", "mount", "redis-server", "redis-cli"):
        assert shutil.which(tool), f"{tool} is needed for this test (Debian: util-linux, redis)"
    assert os.geteuid() == 0, "this test makes network and mount namespaces: run it as root"
    hosts = tmp_path / "hosts"
    hosts.write_text("127.0.0.1 localhost\n127.0.0.1 redis\n")
    script = tmp_path / "inside.py"
    script.write_text(INSIDE)
    shell = 'set -e; ip link set lo up; mount --bind "$1" /etc/hosts; shift; exec "$@"'
    result = subprocess.run(
        [
            "unshare", "--net", "--mount", "--propagation", "private",
            "sh", "-c", shell, "sh", str(hosts),
            sys.executable, str(script), json.dumps(arguments), str(10 * TIMEOUT_UNIT),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=60 * TIMEOUT_UNIT,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert isinstance(report, dict)
    return report


def test_composed_redis_refuses_strangers_and_its_healthcheck_logs_in(tmp_path: Path) -> None:
    redis = service("redis")
    healthcheck = redis["healthcheck"]["test"]
    assert healthcheck[0] == "CMD-SHELL"
    report = run_in_own_network(
        tmp_path,
        [
            redis["command"],
            healthcheck[1],
            effective_env(redis),
            effective_env(service("server"))["REDIS_URL"],
        ],
    )
    assert report["publish_with_redis_url"] == ["published", 0]
    assert report["publish_without_password"][0] == "AuthenticationError"
    assert report["publish_with_wrong_password"][0] == "AuthenticationError"
    assert report["healthcheck_with_service_env"] == 0
    assert report["healthcheck_without_password"] != 0
