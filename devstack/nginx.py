"""Our Nginx config rendered for native runs, and Nginx run as a foreground child process.

The template (nginx/taskflow.conf.template) is shared with compose, where the nginx image's
envsubst step fills the same ${TASKFLOW_*} placeholders from the container environment.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from devstack.paths import CLIENT_DIR, NGINX_TEMPLATE, executable
from devstack.ports import LOOPBACK, OnLoopback, free_port, port_accepts
from devstack.process import ManagedProcess, ServerProcess, child_env
from devstack.waiting import StartupError, wait_until

PLACEHOLDERS = (
    "TASKFLOW_LISTEN",
    "TASKFLOW_UPSTREAM_SERVERS",
    "TASKFLOW_CLIENT_DIR",
    "TASKFLOW_LOG_DIR",
    "TASKFLOW_NGINX_STATE_DIR",
    "TASKFLOW_INTERNAL_CLIENTS",
)
# Natively every client is on loopback; only 127.0.0.1 itself counts as internal, so a test can
# play an outsider from another loopback address (127.0.0.2).
NATIVE_INTERNAL_CLIENTS = "allow 127.0.0.1;"
_PLACEHOLDER = re.compile(r"\$\{(TASKFLOW_[A-Z0-9_]+)\}")


def nginx_binary() -> str:
    return executable("nginx", Path("/usr/sbin"))


def upstream_servers(addresses: Sequence[str]) -> str:
    """The `server host:port;` lines that go where ${TASKFLOW_UPSTREAM_SERVERS} stands."""
    if not addresses:
        raise ValueError("at least one upstream address is needed")
    # A short fail_timeout: during a rolling restart the replica that just came back must be
    # used again within seconds, or the other one's restart leaves no live upstream (502).
    return "\n        ".join(
        f"server {address} max_fails=1 fail_timeout=2s;" for address in addresses
    )


def render_template(values: Mapping[str, str], template: str | None = None) -> str:
    """Fill ${TASKFLOW_*} placeholders as envsubst would; a missing value is an error, not ''."""
    text = template if template is not None else NGINX_TEMPLATE.read_text()
    missing = sorted({name for name in _PLACEHOLDER.findall(text) if name not in values})
    if missing:
        raise KeyError(f"nginx template placeholders without a value: {', '.join(missing)}")
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], text)


def render_nginx_config(
    *,
    upstreams: Sequence[str],
    listen_port: int,
    client_dir: Path,
    log_dir: Path,
    state_dir: Path,
    template: str | None = None,
) -> str:
    """The full nginx.conf for a native run: replicas at `upstreams` ("127.0.0.1:8001", ...)."""
    return render_template(
        {
            "TASKFLOW_LISTEN": f"{LOOPBACK}:{listen_port}",
            "TASKFLOW_UPSTREAM_SERVERS": upstream_servers(upstreams),
            "TASKFLOW_CLIENT_DIR": str(client_dir),
            "TASKFLOW_LOG_DIR": str(log_dir),
            "TASKFLOW_NGINX_STATE_DIR": str(state_dir),
            "TASKFLOW_INTERNAL_CLIENTS": NATIVE_INTERNAL_CLIENTS,
        },
        template,
    )


def _workers(master: int) -> dict[int, str]:
    """The Nginx master's children (Linux /proc) and their titles ("nginx: worker process")."""
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    except OSError:
        return {}
    titles = {}
    for child in children:
        try:
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
            titles[int(child)] = cmdline.decode(errors="replace")
        except OSError:
            continue  # exited meanwhile
    return titles


def _reload_done(master: int, old_workers: set[int]) -> bool:
    """New workers run and every old one is gone or has stopped accepting ("shutting down")."""
    workers = _workers(master)
    new = workers.keys() - old_workers
    old_still_accepting = [
        pid for pid in old_workers & workers.keys() if "shutting down" not in workers[pid]
    ]
    return bool(new) and not old_still_accepting


class NginxServer(OnLoopback, ServerProcess):
    """Nginx in the foreground with its own prefix, config, pid, temp and log files.

    Nothing outside `workdir` is read or written: no system nginx.conf, mime.types or logs.
    """

    def __init__(
        self,
        *,
        upstreams: Sequence[str],
        port: int | None = None,
        client_dir: Path = CLIENT_DIR,
        workdir: Path | None = None,
        template: str | None = None,
    ) -> None:
        """`template`: text to render instead of nginx/taskflow.conf.template (e.g. with TLS on)."""
        self.port = port if port is not None else free_port()
        self.template = template
        self.upstreams = list(upstreams)
        self.client_dir = client_dir
        self._use_workdir(workdir, "nginx-")
        self.conf_path = self.workdir / "nginx.conf"
        self.log_dir = self.workdir / "logs"
        self.state_dir = self.workdir / "state"
        self.access_log = self.log_dir / "access.log"
        self.error_log = self.log_dir / "error.log"
        self._process = ManagedProcess(
            self._base_argv(),
            log_path=self.log_dir / "nginx.out",
            env=child_env(),
        )

    def _base_argv(self) -> list[str]:
        # -e: the log used before the config is read (otherwise the compiled-in system path).
        # -g: foreground; and under root, workers stay root instead of switching to `nobody`,
        # who could not read a client dir or temp dir private to the developer (or pytest).
        # Both live here, not in the template: the nginx image sets its own.
        directives = "daemon off;" + (" user root;" if os.geteuid() == 0 else "")
        return [
            nginx_binary(),
            "-c", str(self.conf_path),
            "-p", str(self.workdir),
            "-e", str(self.error_log),
            "-g", directives,
        ]  # fmt: skip

    def write_config(self) -> Path:
        for directory in (self.log_dir, self.state_dir):
            directory.mkdir(parents=True, exist_ok=True)
        self.conf_path.write_text(
            render_nginx_config(
                upstreams=self.upstreams,
                listen_port=self.port,
                client_dir=self.client_dir,
                log_dir=self.log_dir,
                state_dir=self.state_dir,
                template=self.template,
            )
        )
        return self.conf_path

    def check(self) -> str:
        """`nginx -t` on the rendered config; raise with nginx's own words if it is invalid."""
        self.write_config()
        result = subprocess.run(
            [*self._base_argv(), "-t"], check=False, capture_output=True, text=True, timeout=30
        )
        if result.returncode != 0:
            raise StartupError(f"nginx -t rejected {self.conf_path}:\n{result.stderr.strip()}")
        return result.stderr

    def start(self, timeout: float = 10.0) -> None:
        if port_accepts(self.port):
            raise StartupError(f"nginx: port {self.port} is already taken")
        self.check()
        self._process.start()
        wait_until(
            lambda: port_accepts(self.port),
            what=f"nginx on port {self.port}",
            timeout=timeout,
            process=self._process,
        )

    def reload(self, upstreams: Sequence[str] | None = None, timeout: float = 10.0) -> None:
        """Re-render (optionally with new upstreams) and reload; returns once new workers run.

        Old workers finish their open requests (WebSockets: up to worker_shutdown_timeout).
        """
        if upstreams is not None:
            self.upstreams = list(upstreams)
        self.check()
        pid = self._process.pid
        if pid is None or not self.running:
            raise RuntimeError("nginx is not running")
        old_workers = set(_workers(pid))
        result = subprocess.run(
            [*self._base_argv(), "-s", "reload"],
            check=False,
            capture_output=True,
            text=True,
            timeout=30,
        )
        if result.returncode != 0:
            raise RuntimeError(f"nginx -s reload failed: {result.stderr.strip()}")
        wait_until(
            lambda: _reload_done(pid, old_workers),
            what="nginx reload (new workers, old ones shutting down)",
            timeout=timeout,
            process=self._process,
        )

    def logs(self) -> str:
        """Everything Nginx wrote: access log, error log and its stderr."""
        parts = []
        for path in (self.access_log, self.error_log, self._process.log_path):
            if path.exists():
                parts.append(path.read_text(errors="replace"))
        return "\n".join(parts)
