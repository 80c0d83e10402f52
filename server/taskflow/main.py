"""The app factory and its lifespan, which owns every long-lived resource."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from redis.asyncio import Redis

from taskflow import __version__
from taskflow.access_log import AccessLog
from taskflow.commit import Committer
from taskflow.config import Settings, get_settings
from taskflow.database import Database
from taskflow.errors_http import install_error_handlers
from taskflow.ratelimit import LoginLimiter, MemoryWindowCounter, RedisWindowCounter, WindowCounter
from taskflow.routes import accounts, health

log = logging.getLogger("taskflow")
Probe = Callable[[], Awaitable[object]]


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    async with AsyncExitStack() as stack:
        db = Database(settings.database_url)
        stack.push_async_callback(db.dispose)
        probes: dict[str, Probe] = {"database": db.ping}

        counter: WindowCounter = MemoryWindowCounter()
        if settings.uses_redis:
            redis = Redis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2)
            stack.push_async_callback(redis.aclose)
            probes["redis"] = redis.ping
            counter = RedisWindowCounter(redis)

        app.state.db = db
        app.state.probes = probes
        app.state.login_limiter = LoginLimiter(
            counter, per_account=settings.login_attempts_per_minute, per_address=100
        )
        app.state.committer = Committer(sinks=[], relay=None)
        log.info("taskflow %s ready (database %s)", __version__, db.engine.dialect.name)
        yield


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        title="TaskFlow",
        version=__version__,
        summary="Real-time collaborative task boards",
        lifespan=lifespan,
    )
    app.state.settings = settings
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(accounts.router)
    _mount_client(app, Path(settings.client_dir))
    app.add_middleware(AccessLog)
    return app


def _mount_client(app: FastAPI, client_dir: Path) -> None:
    # Mounted last so every API route wins; absent in slim deployments where Nginx serves it.
    if (client_dir / "index.html").is_file():
        app.mount("/", StaticFiles(directory=client_dir, html=True), name="client")
