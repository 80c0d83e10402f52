"""The app factory and its lifespan, which owns every long-lived resource."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from pymongo.errors import PyMongoError
from sqlalchemy import select

from taskflow import __version__
from taskflow.activity.factory import make_feed
from taskflow.activity.feed_mongo import MongoActivityFeed
from taskflow.activity.relay import ActivityRelay
from taskflow.commit import Committer
from taskflow.config import Settings, get_settings
from taskflow.database import Database
from taskflow.housekeeping import Housekeeper
from taskflow.models import Board
from taskflow.realtime.dispatch import LiveBoardDispatch, LiveBoardRoute
from taskflow.realtime.eventlog import EventLog
from taskflow.realtime.factory import make_broker, make_presence
from taskflow.realtime.fast_path import LIVE_ROUTE
from taskflow.realtime.hub import Hub
from taskflow.redis_clients import RedisClient, RedisTarget, close_client
from taskflow.routes import (
    accounts,
    activity,
    boards,
    checklists,
    columns,
    comments,
    documents,
    health,
    labels,
    sessions,
    tasks,
    trash,
)
from taskflow.services.ratelimit import (
    AttemptStore,
    LoginLimiter,
    MemoryAttemptStore,
    RedisAttemptStore,
)
from taskflow.services.write_limit import WriteLimiter
from taskflow.web.errors import install_error_handlers
from taskflow.web.fallback import install_api_fallback
from taskflow.web.middleware.access_log import AccessLog
from taskflow.web.middleware.body_limit import BodyLimit
from taskflow.web.state import AppState, Probe, app_settings

log = logging.getLogger("taskflow")


async def _adopt_legacy_activity(feed: MongoActivityFeed, db: Database) -> None:
    """Entries from before board uids join their boards; MongoDB being down only defers it."""
    async with db.session() as tx:
        rows = await tx.execute(select(Board.id, Board.uid))
        board_uids = {int(board_id): str(uid) for board_id, uid in rows.all()}
    try:
        adopted = await feed.adopt_legacy_entries(board_uids)
    except PyMongoError as exc:
        log.warning("activity entries from before board uids not adopted yet: %s", exc)
        return
    if adopted:
        log.info("activity: %d entries from before board uids joined their boards", adopted)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
    settings = app_settings(app)
    async with AsyncExitStack() as stack:
        db = Database(settings.database_url)
        stack.push_async_callback(db.dispose)
        probes: dict[str, Probe] = {"database": db.ping}

        attempts: AttemptStore = MemoryAttemptStore()
        redis: RedisClient | None = None
        if settings.uses_redis:
            redis = RedisTarget.from_url(settings.redis_url).client(timeout=2.0)
            stack.push_async_callback(close_client, redis)
            probes["redis"] = redis.ping
            attempts = RedisAttemptStore(redis)

        broker = make_broker(settings)
        hub = Hub(
            broker=broker,
            event_log=EventLog(db),
            presence=make_presence(settings, redis),
            queue_limit=settings.ws_send_queue_frames,
            presence_refresh=settings.presence_ttl_seconds / 3,
        )
        await hub.start()
        stack.push_async_callback(hub.stop)
        if settings.uses_redis:
            probes["broker"] = broker.ping
        feed = make_feed(settings, db)
        await feed.open()
        stack.push_async_callback(feed.close)
        if isinstance(feed, MongoActivityFeed):
            await _adopt_legacy_activity(feed, db)
        if settings.mongodb_uri:
            probes["activity"] = feed.ping
        relay = ActivityRelay(db, feed)
        await relay.start()
        stack.push_async_callback(relay.stop)
        housekeeper = Housekeeper.from_settings(db, settings)
        await housekeeper.start()
        stack.push_async_callback(housekeeper.stop)
        app.state.resources = AppState(
            db=db,
            probes=probes,
            write_limiter=WriteLimiter(
                rate=settings.rest_writes_per_second, burst=settings.rest_write_burst
            ),
            login_limiter=LoginLimiter(
                attempts, per_account=settings.login_attempts_per_minute, per_address=100
            ),
            hub=hub,
            event_log=hub.event_log,
            activity_relay=relay,
            committer=Committer(sinks=[hub], relay=relay),
            housekeeper=housekeeper,
        )
        log.info("taskflow %s ready (database %s)", __version__, db.engine.dialect.name)
        # FanoutProtocol finds the live-board route in the lifespan state.
        yield {LIVE_ROUTE: LiveBoardRoute(app)}


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        title="TaskFlow",
        version=__version__,
        summary="Real-time collaborative task boards",
        lifespan=lifespan,
        # operationId = the route function's name: what generated clients call the operation.
        generate_unique_id_function=lambda route: route.name,
    )
    app.state.settings = settings
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(documents.router)
    app.include_router(accounts.router)
    app.include_router(sessions.router)
    for module in (boards, columns, tasks, labels, comments, checklists, trash, activity):
        app.include_router(module.router)
    install_api_fallback(app)
    _mount_client(app, Path(settings.client_dir))
    app.add_middleware(BodyLimit)
    app.add_middleware(AccessLog)
    app.add_middleware(LiveBoardDispatch)  # added last: the outermost, ahead of the others
    return app


def _mount_client(app: FastAPI, client_dir: Path) -> None:
    # Mounted last so every API route wins; absent in slim deployments where Nginx serves it.
    if (client_dir / "index.html").is_file():
        app.mount("/", StaticFiles(directory=client_dir, html=True), name="client")
