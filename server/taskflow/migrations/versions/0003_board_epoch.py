"""board epoch: a random uid per board, and activity keyed by (board uid, seq)

Ids and seqs repeat once the database is restored from a backup older than the activity feed
(MongoDB); a uid made at random when the board is created does not.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 10:00:00.000000
"""

from __future__ import annotations

import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import taskflow.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

boards = sa.table("boards", sa.column("id", sa.BigInteger), sa.column("uid", sa.String))
entries = sa.table(
    "activity_entries",
    sa.column("board_id", sa.BigInteger),
    sa.column("board_uid", sa.String),
)
outbox = sa.table(
    "activity_outbox",
    sa.column("id", sa.BigInteger),
    sa.column("board_id", sa.BigInteger),
    sa.column("entry", sa.JSON),
)


def upgrade() -> None:
    bind = op.get_bind()
    op.add_column("boards", sa.Column("uid", sa.String(length=36), nullable=True))
    uids: dict[int, str] = {}
    for (board_id,) in bind.execute(sa.select(boards.c.id)):
        uids[board_id] = str(uuid.uuid4())
        bind.execute(boards.update().where(boards.c.id == board_id).values(uid=uids[board_id]))
    with _keeping_sqlite_sequence("boards"), _recreated("boards") as batch:
        batch.alter_column("uid", existing_type=sa.String(length=36), nullable=False)
        batch.create_unique_constraint("uq_boards_uid", ["uid"])

    op.add_column("activity_entries", sa.Column("board_uid", sa.String(length=36), nullable=True))
    # The entries of deleted boards stay in the feed: they get a uid of their own, per board id.
    kept = bind.execute(sa.select(entries.c.board_id).distinct()).scalars()
    for board_id in list(kept):
        uid = uids.setdefault(board_id, str(uuid.uuid4()))
        bind.execute(entries.update().where(entries.c.board_id == board_id).values(board_uid=uid))
    # A new table keyed by (board_uid, seq): the event id, its old key, repeats after a restore.
    key = sa.PrimaryKeyConstraint("board_uid", "seq", name="pk_activity_entries_board_uid_seq")
    _entries_table("activity_entries_0003", key)
    _copy_entries("activity_entries", "activity_entries_0003")
    op.drop_table("activity_entries")
    op.rename_table("activity_entries_0003", "activity_entries")

    # Entries committed but not yet relayed carry their board's uid like every new one.
    for row_id, board_id, entry in list(bind.execute(sa.select(outbox))):
        entry = {**entry, "board_uid": uids.setdefault(board_id, str(uuid.uuid4()))}
        bind.execute(outbox.update().where(outbox.c.id == row_id).values(entry=entry))


def downgrade() -> None:
    _entries_table(
        "activity_entries_0001",
        sa.PrimaryKeyConstraint("id", name="activity_entries_pkey"),
        sa.UniqueConstraint("board_id", "seq", name="uq_activity_entries_board_seq"),
        with_uid=False,
    )
    _copy_entries("activity_entries", "activity_entries_0001", with_uid=False)
    op.drop_table("activity_entries")
    op.rename_table("activity_entries_0001", "activity_entries")
    with _keeping_sqlite_sequence("boards"), _recreated("boards") as batch:
        batch.drop_constraint("uq_boards_uid", type_="unique")
        batch.drop_column("uid")


@contextmanager
def _recreated(table: str) -> Iterator[Any]:
    # SQLite rebuilds the table; it must keep AUTOINCREMENT (ids are never reused). Rebuilding
    # reflects the tables it references too: `users` has expression indexes (lower(username),
    # 0002) that SQLAlchemy cannot reflect and warns about; they are not rebuilt here.
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message="Skipped unsupported reflection of expression-based index"
        )
        with op.batch_alter_table(table, table_kwargs={"sqlite_autoincrement": True}) as batch:
            yield batch


@contextmanager
def _keeping_sqlite_sequence(table: str) -> Iterator[None]:
    """Rebuilding a SQLite table would restart its id sequence at the largest id still present."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        yield
        return
    query = sa.text("SELECT seq FROM sqlite_sequence WHERE name = :name")
    last = bind.execute(query, {"name": table}).scalar()
    yield
    if last is not None:
        now = bind.execute(query, {"name": table}).scalar()
        if now is None:
            insert = "INSERT INTO sqlite_sequence (name, seq) VALUES (:name, :seq)"
            bind.execute(sa.text(insert), {"name": table, "seq": last})
        elif now < last:
            update = "UPDATE sqlite_sequence SET seq = :seq WHERE name = :name"
            bind.execute(sa.text(update), {"name": table, "seq": last})


ENTRY_COLUMNS = ("id", "board_id", "seq", "actor", "verb", "target", "changes", "ts")


def _entries_table(name: str, *constraints: sa.Constraint, with_uid: bool = True) -> None:
    document = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
    uid = [sa.Column("board_uid", sa.String(length=36), nullable=False)] if with_uid else []
    op.create_table(
        name,
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("board_id", sa.BigInteger(), nullable=False),
        *uid,
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("actor", document, nullable=False),
        sa.Column("verb", sa.String(length=40), nullable=False),
        sa.Column("target", document, nullable=False),
        sa.Column("changes", document, nullable=False),
        sa.Column("ts", taskflow.types.UTCDateTime(timezone=True), nullable=False),
        *constraints,
    )


def _copy_entries(source: str, target: str, *, with_uid: bool = True) -> None:
    columns = ", ".join((*ENTRY_COLUMNS, "board_uid") if with_uid else ENTRY_COLUMNS)
    op.execute(f"INSERT INTO {target} ({columns}) SELECT {columns} FROM {source}")
