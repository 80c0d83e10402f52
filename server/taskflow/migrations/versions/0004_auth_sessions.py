"""auth sessions: server-side sessions with rotating refresh credentials

Only SHA-256 hashes of refresh secrets are stored; a retired secret presented again ends its
session (the whole family of credentials).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 02:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import taskflow.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "auth_sessions",
        sa.Column("id", BigId, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("user_agent", sa.String(length=300), nullable=False),
        sa.Column("created_at", taskflow.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", taskflow.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("idle_expires_at", taskflow.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", taskflow.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("secret_hash"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_auth_sessions_user_id", "auth_sessions", ["user_id"])
    op.create_index("ix_auth_sessions_expires_at", "auth_sessions", ["expires_at"])
    op.create_table(
        "auth_retired_secrets",
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("session_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["auth_sessions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("secret_hash"),
    )
    op.create_index("ix_auth_retired_secrets_session_id", "auth_retired_secrets", ["session_id"])


def downgrade() -> None:
    op.drop_table("auth_retired_secrets")
    op.drop_table("auth_sessions")
