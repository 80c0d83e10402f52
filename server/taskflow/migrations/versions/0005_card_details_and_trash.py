"""card details and trash: labels, comments, checklists, and a trash kept 30 days

Tasks gain their label ids and the counters a card shows (comments, checklist done/total);
boards gain `deleted_at` (a board in its owner's trash). Columns are added with plain
ADD COLUMN, so SQLite keeps its tables (and their AUTOINCREMENT) as they are.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 19:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

import taskflow.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Json = sa.JSON().with_variant(JSONB(), "postgresql")
Moment = taskflow.types.UTCDateTime(timezone=True)
Key = sa.String().with_variant(sa.String(collation="C"), "postgresql")


def upgrade() -> None:
    op.add_column("boards", sa.Column("deleted_at", Moment, nullable=True))
    op.add_column(
        "tasks", sa.Column("label_ids", Json, nullable=False, server_default=sa.text("'[]'"))
    )
    for counter in ("comment_count", "checklist_total", "checklist_done"):
        op.add_column("tasks", sa.Column(counter, sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "labels",
        sa.Column("id", BigId, nullable=False),
        sa.Column("board_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("color", sa.String(length=16), nullable=False),
        sa.Column("created_at", Moment, nullable=False),
        sa.Column("updated_at", Moment, nullable=False),
        sa.ForeignKeyConstraint(["board_id"], ["boards.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("board_id", "name", name="uq_labels_board_name"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_labels_board_id", "labels", ["board_id"])
    op.create_table(
        "task_comments",
        sa.Column("id", BigId, nullable=False),
        sa.Column("task_id", sa.BigInteger(), nullable=False),
        sa.Column("board_id", sa.BigInteger(), nullable=False),
        sa.Column("author_id", sa.BigInteger(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", Moment, nullable=False),
        sa.Column("updated_at", Moment, nullable=False),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["board_id"], ["boards.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_task_comments_task_id", "task_comments", ["task_id", "id"])
    op.create_table(
        "checklist_items",
        sa.Column("id", BigId, nullable=False),
        sa.Column("task_id", sa.BigInteger(), nullable=False),
        sa.Column("board_id", sa.BigInteger(), nullable=False),
        sa.Column("text", sa.String(length=200), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("position", Key, nullable=False),
        sa.Column("created_at", Moment, nullable=False),
        sa.Column("updated_at", Moment, nullable=False),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["board_id"], ["boards.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_checklist_items_task_position", "checklist_items", ["task_id", "position"])
    op.create_table(
        "trash_items",
        sa.Column("id", BigId, nullable=False),
        sa.Column("board_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("object_id", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("payload", Json, nullable=False),
        sa.Column("deleted_by", sa.BigInteger(), nullable=True),
        sa.Column("deleted_at", Moment, nullable=False),
        sa.Column("expires_at", Moment, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "object_id", name="uq_trash_items_kind_object"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_trash_items_board_id", "trash_items", ["board_id", "deleted_at"])
    op.create_index("ix_trash_items_expires_at", "trash_items", ["expires_at"])


def downgrade() -> None:
    op.drop_table("trash_items")
    op.drop_table("checklist_items")
    op.drop_table("task_comments")
    op.drop_table("labels")
    # Plain DROP COLUMN (SQLite 3.35+): a batch copy would lose SQLite's AUTOINCREMENT.
    for column in ("checklist_done", "checklist_total", "comment_count", "label_ids"):
        op.drop_column("tasks", column)
    op.drop_column("boards", "deleted_at")
