"""The activity feed named by the settings: MongoDB when MONGODB_URI is set, else SQL."""

from __future__ import annotations

from taskflow.activity.feed import ActivityFeed
from taskflow.activity.feed_mongo import MongoActivityFeed
from taskflow.activity.feed_sql import SqlActivityFeed
from taskflow.config import Settings
from taskflow.database import Database


def make_feed(settings: Settings, db: Database) -> ActivityFeed:
    """A feed that is not connected yet (the lifespan opens it)."""
    if settings.mongodb_uri:
        return MongoActivityFeed(settings.mongodb_uri, settings.mongodb_database)
    return SqlActivityFeed(db)
