"""`python -m bench.prototype.serve --port N`: `taskflow serve` with the P1 sketch installed.

Same uvicorn settings as taskflow.cli.serve, except the WebSocket protocol class.
"""

from __future__ import annotations

import argparse
import os

import uvicorn

from bench.prototype.fast_fanout import install
from taskflow.config import get_settings
from taskflow.logs import logging_config


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.prototype.serve")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    settings = get_settings()
    install()
    uvicorn.run(
        "taskflow.main:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        loop="uvloop",
        http="httptools",
        ws="bench.prototype.fast_fanout:FanoutProtocol",
        ws_per_message_deflate=False,
        ws_ping_interval=20.0,
        ws_ping_timeout=20.0,
        ws_max_size=1 << 20,
        proxy_headers=True,
        forwarded_allow_ips=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        timeout_graceful_shutdown=5,
        access_log=False,
        log_config=logging_config(settings.log_level),
        backlog=4096,
    )


if __name__ == "__main__":
    main()
