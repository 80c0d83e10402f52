"""The `taskflow` command: `serve` and `migrate`."""

from __future__ import annotations

import argparse
import os
import sys

from pydantic import ValidationError

from taskflow.config import Settings, get_settings


def _settings_or_exit() -> Settings:
    try:
        return get_settings()
    except ValidationError as exc:
        for error in exc.errors():
            name = str(error["loc"][0]).upper() if error["loc"] else "settings"
            message = str(error["msg"]).removeprefix("Value error, ")
            print(f"taskflow: invalid setting {name}: {message}", file=sys.stderr)
        raise SystemExit(2) from None


def migrate(_: argparse.Namespace) -> None:
    from taskflow.migrate import upgrade

    settings = _settings_or_exit()
    upgrade(settings.database_url)
    print("taskflow: database schema is up to date", file=sys.stderr)


def serve(args: argparse.Namespace) -> None:
    import uvicorn

    from taskflow.logs import logging_config
    from taskflow.realtime.fast_path import FanoutProtocol

    settings = _settings_or_exit()
    uvicorn.run(
        "taskflow.main:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        loop="uvloop",
        http="httptools",
        ws=FanoutProtocol,
        ws_per_message_deflate=False,
        ws_ping_interval=20.0,
        ws_ping_timeout=20.0,
        # Larger frames than the contract's 64 KiB reach the app, which closes them with 4413.
        ws_max_size=1 << 20,
        proxy_headers=True,
        forwarded_allow_ips=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        timeout_graceful_shutdown=5,
        access_log=False,
        log_config=logging_config(settings.log_level),
        backlog=4096,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="taskflow", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve_cmd = commands.add_parser("serve", help="run the HTTP/WebSocket server")
    serve_cmd.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    serve_cmd.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    serve_cmd.add_argument("--workers", type=int, default=1)
    serve_cmd.set_defaults(handler=serve)
    migrate_cmd = commands.add_parser("migrate", help="apply database migrations")
    migrate_cmd.set_defaults(handler=migrate)
    args = parser.parse_args(argv)
    args.handler(args)


if __name__ == "__main__":
    main()
