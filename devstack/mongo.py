"""A MongoDB wire-protocol server for the stack and tests: nx-27017 with an in-memory store."""

from __future__ import annotations

from pathlib import Path

from pymongo import MongoClient
from pymongo.errors import PyMongoError

from devstack.paths import executable
from devstack.ports import LOOPBACK, free_port, port_accepts
from devstack.process import ManagedProcess, ServerProcess, child_env
from devstack.waiting import StartupError, wait_until


def mongo_answers(url: str, timeout: float = 1.0) -> bool:
    """True when the server at `url` answers the ping command."""
    millis = int(timeout * 1000)
    client: MongoClient[dict[str, object]] = MongoClient(
        url, serverSelectionTimeoutMS=millis, connectTimeoutMS=millis, socketTimeoutMS=millis
    )
    try:
        client.admin.command("ping")
        return True
    except PyMongoError:
        return False
    finally:
        client.close()


class MongoWireServer(ServerProcess):
    """`nx-27017 --db memory` on a fixed loopback port; data lives only as long as the process.

    The port survives stop/start/restart so a client's URL stays valid across a fault test.
    """

    def __init__(self, port: int | None = None, workdir: Path | None = None) -> None:
        self.port = port if port is not None else free_port()
        self._use_workdir(workdir, "mongo-")
        self.log_path = self.workdir / "nx-27017.out"
        self._process = ManagedProcess(
            [
                executable("nx-27017"),
                "--db", "memory",
                "--host", LOOPBACK,
                "-p", str(self.port),
                # Its defaults are shared files in /tmp; two servers would overwrite each other's.
                "--log-file", str(self.workdir / "nx-27017.log"),
                "--pid-file", str(self.workdir / "nx-27017.pid"),
            ],
            log_path=self.log_path,
            env=child_env(),
        )  # fmt: skip

    @property
    def url(self) -> str:
        return f"mongodb://{LOOPBACK}:{self.port}"

    def start(self, timeout: float = 15.0) -> None:
        if port_accepts(self.port):
            raise StartupError(f"mongo wire server: port {self.port} is already taken")
        self._process.start()
        wait_until(
            lambda: port_accepts(self.port) and mongo_answers(self.url),
            what=f"nx-27017 on port {self.port}",
            timeout=timeout,
            process=self._process,
            interval=0.1,
        )
