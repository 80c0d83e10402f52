"""Tables. Rows never leave the server as they are: responses go through `schemas`."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import uuid4

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from taskflow.types import JSONDocument, PositionKey, UTCDateTime, utcnow

# SQLite only makes INTEGER PRIMARY KEY an auto-incrementing rowid.
BigId = BigInteger().with_variant(Integer(), "sqlite")
# Without AUTOINCREMENT, SQLite hands the id of the newest deleted row to the next one; ids must
# never come back (a deleted board's kept activity would show on the new board).
NEVER_REUSE_IDS = {"sqlite_autoincrement": True}


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    # Names are looked up case-insensitively (sign-in, add-member): unique the same way.
    __table_args__ = (
        Index("uq_users_username_lower", func.lower(text("username")), unique=True),
        Index("uq_users_email_lower", func.lower(text("email")), unique=True),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    username: Mapped[str] = mapped_column(String(32), unique=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Board(Base):
    __tablename__ = "boards"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # Number of the board's last event; bumping it row-locks the board, serializing its writers.
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    # Unique across databases: ids and seqs repeat after a restore from an older backup, so the
    # activity feed (which may outlive the database, in MongoDB) keys entries by (uid, seq).
    uid: Mapped[str] = mapped_column(String(36), unique=True, default=lambda: str(uuid4()))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set while the board is in its owner's trash: its members are kept in the trash item and
    # removed, so every access check already treats it as gone.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Member(Base):
    __tablename__ = "board_members"

    board_id: Mapped[int] = mapped_column(
        ForeignKey("boards.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Column(Base):
    __tablename__ = "board_columns"
    __table_args__ = (
        Index("ix_board_columns_board_position", "board_id", "position"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("boards.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[str] = mapped_column(PositionKey)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Task(Base):
    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_column_position", "column_id", "position"),
        Index("ix_tasks_board", "board_id"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("boards.id", ondelete="CASCADE"))
    # RESTRICT: a column that still holds tasks cannot disappear under them.
    column_id: Mapped[int] = mapped_column(ForeignKey("board_columns.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[str] = mapped_column(PositionKey)
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    due_date: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Label ids of the board, in the order they were put on; kept on the row so reading a board
    # (snapshot, events) needs no join.
    label_ids: Mapped[list[int]] = mapped_column(JSONDocument, default=list)
    # Counters kept by the comment and checklist services under the board's lock, so a card
    # shows them without reading its comments or items.
    comment_count: Mapped[int] = mapped_column(Integer, default=0)
    checklist_total: Mapped[int] = mapped_column(Integer, default=0)
    checklist_done: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Label(Base):
    __tablename__ = "labels"
    __table_args__ = (
        UniqueConstraint("board_id", "name", name="uq_labels_board_name"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("boards.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    color: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Comment(Base):
    __tablename__ = "task_comments"
    __table_args__ = (Index("ix_task_comments_task_id", "task_id", "id"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    board_id: Mapped[int] = mapped_column(ForeignKey("boards.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ChecklistItem(Base):
    __tablename__ = "checklist_items"
    __table_args__ = (
        Index("ix_checklist_items_task_position", "task_id", "position"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    board_id: Mapped[int] = mapped_column(ForeignKey("boards.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(String(200))
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[str] = mapped_column(PositionKey)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TrashItem(Base):
    """A deleted task, column, comment or board, kept to be restored with its place."""

    __tablename__ = "trash_items"
    __table_args__ = (
        UniqueConstraint("kind", "object_id", name="uq_trash_items_kind_object"),
        Index("ix_trash_items_board_id", "board_id", "deleted_at"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # No foreign key: a deleted board's own item must survive its members' removal, and the
    # board's hard deletion (after the keeping time) removes its items explicitly.
    board_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(16))
    object_id: Mapped[int] = mapped_column(BigInteger)
    title: Mapped[str] = mapped_column(String(200))
    # Everything needed to put the object back as it was (its row and its children's).
    payload: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    deleted_by: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    deleted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class BoardEvent(Base):
    """The board's event log: what live subscribers replay from (`since`) and heal gaps with."""

    __tablename__ = "board_events"
    __table_args__ = (
        UniqueConstraint("board_id", "seq", name="uq_board_events_board_seq"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("boards.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # The exact `event` frame sent to subscribers, serialized once at write time.
    frame: Mapped[str] = mapped_column(Text)
    ts: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ActivityOutbox(Base):
    """Activity entries committed with their change and not yet stored in the feed."""

    __tablename__ = "activity_outbox"
    __table_args__ = (
        UniqueConstraint("board_id", "seq", name="uq_activity_outbox_board_seq"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    board_id: Mapped[int] = mapped_column(BigInteger)
    seq: Mapped[int] = mapped_column(BigInteger)
    entry: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ActivityRecord(Base):
    """The activity feed kept in SQL when no MongoDB is configured."""

    __tablename__ = "activity_entries"
    __table_args__ = (
        PrimaryKeyConstraint("board_uid", "seq", name="pk_activity_entries_board_uid_seq"),
    )

    # Keyed like every feed: the event id repeats after a restore, (board_uid, seq) does not.
    board_uid: Mapped[str] = mapped_column(String(36))
    seq: Mapped[int] = mapped_column(BigInteger)
    id: Mapped[int] = mapped_column(BigInteger)
    board_id: Mapped[int] = mapped_column(BigInteger)
    actor: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    verb: Mapped[str] = mapped_column(String(40))
    target: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    changes: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    ts: Mapped[datetime] = mapped_column(UTCDateTime)


class IdempotencyRecord(Base):
    """First answer to a retried request (REST `Idempotency-Key`, WebSocket `ref`)."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (
        UniqueConstraint("user_id", "scope", "key", name="uq_idempotency_user_scope_key"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(200))
    status_code: Mapped[int] = mapped_column(Integer)
    body: Mapped[Any] = mapped_column(JSONDocument, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class AuthSession(Base):
    """A signed-in browser or script: the family of its refresh credentials, stored as hashes."""

    __tablename__ = "auth_sessions"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # SHA-256 of the current refresh secret; the secret itself lives only in the cookie.
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Idle expiry moves at every refresh; the absolute one never does.
    idle_expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class RetiredSecret(Base):
    """A refresh secret already exchanged: seen again, it was copied, and its session ends."""

    __tablename__ = "auth_retired_secrets"

    secret_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("auth_sessions.id", ondelete="CASCADE"), index=True
    )
