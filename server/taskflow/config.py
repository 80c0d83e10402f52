"""Settings: one class, read from the environment and `.env`, validated once at start."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from taskflow.redis_clients import RedisTarget

DEV_SECRET_KEY = "dev-only-secret-change-me-in-production-0123456789"
REPO_CLIENT_DIR = Path(__file__).resolve().parents[2] / "client"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_ignore_empty=False)

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite+aiosqlite:///./taskflow.db"
    redis_url: str = ""
    mongodb_uri: str = ""
    mongodb_database: str = "taskflow"
    secret_key: str = DEV_SECRET_KEY
    # Fractional minutes, so a test can run on a token of a few seconds.
    access_token_expire_minutes: float = Field(default=60.0, gt=0, le=60 * 24 * 30)
    session_idle_days: float = Field(default=30.0, gt=0)
    session_max_days: float = Field(default=90.0, gt=0)
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    client_dir: str = str(REPO_CLIENT_DIR)
    replica_id: str = ""

    # Live-board limits (the contract fixes the frame size; the rest are ours, see README).
    ws_max_frame_bytes: int = 65_536
    ws_send_queue_frames: int = Field(default=1_000, ge=10)
    ws_commands_per_second: float = Field(default=20.0, gt=0)
    ws_command_burst: int = Field(default=40, ge=1)
    ws_connections_per_user: int = Field(default=50, ge=1)
    presence_ttl_seconds: float = Field(default=6.0, gt=1)
    event_retention_count: int = Field(default=1_000, ge=1_000)
    event_retention_hours: float = Field(default=24.0, ge=24.0)
    login_attempts_per_minute: int = Field(default=10, ge=1)
    rest_writes_per_second: float = Field(default=100.0, gt=0)
    rest_write_burst: int = Field(default=200, ge=1)
    idempotency_ttl_seconds: int = Field(default=900, ge=600)

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @field_validator("redis_url")
    @classmethod
    def _known_broker(cls, value: str) -> str:
        if value and not value.startswith("memory://"):
            try:
                RedisTarget.from_url(value)
            except ValueError as exc:
                raise ValueError(
                    f"must be empty, memory://, redis://, redis+sentinel:// or redis+cluster:// ({exc})"
                ) from None
        return value

    @field_validator("mongodb_uri")
    @classmethod
    def _known_feed(cls, value: str) -> str:
        if value and not value.startswith(("mongodb://", "mongodb+srv://")):
            raise ValueError("must be empty or start with mongodb://")
        return value

    @field_validator("secret_key")
    @classmethod
    def _no_dev_secret_in_production(cls, value: str, info: ValidationInfo) -> str:
        # `environment` is declared first, so it is validated (and in `info.data`) by now.
        if info.data.get("environment") == "production":
            if value == DEV_SECRET_KEY:
                raise ValueError("production refuses the development key; set a random one")
            if len(value) < 32:
                raise ValueError("production needs a random key of 32 characters or more")
        return value

    @property
    def uses_redis(self) -> bool:
        return bool(self.redis_url) and not self.redis_url.startswith("memory://")


@lru_cache
def get_settings() -> Settings:
    return Settings()
