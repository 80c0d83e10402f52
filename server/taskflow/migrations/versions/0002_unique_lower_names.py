"""usernames and emails unique regardless of case

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04 18:00:00

Sign-in and add-member look a username up case-insensitively, so `Alice` and `alice` must not
both exist. Rows that already collide keep the name on the oldest account; each newer one is
renamed `<name>_<id>` (still a valid username), which its owner sees on the next sign-in.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

USERNAME_MAX = 32


def _rename_colliding_usernames() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, username FROM users ORDER BY id")).all()
    taken: set[str] = set()
    for user_id, username in rows:
        if username.lower() not in taken:
            taken.add(username.lower())
            continue
        suffix = f"_{user_id}"
        renamed = username[: USERNAME_MAX - len(suffix)] + suffix
        while renamed.lower() in taken:
            suffix = "_" + suffix
            renamed = username[: USERNAME_MAX - len(suffix)] + suffix
        taken.add(renamed.lower())
        bind.execute(
            sa.text("UPDATE users SET username = :name WHERE id = :id"),
            {"name": renamed, "id": user_id},
        )


def _lowercase_emails() -> None:
    # Registration stores emails lower-cased; rows written otherwise are lowered, and a
    # collision keeps the address on the oldest account (the newer one must register it again).
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, email FROM users ORDER BY id")).all()
    taken: set[str] = set()
    for user_id, email in rows:
        lowered = email.lower()
        if lowered in taken:
            lowered = f"duplicate-{user_id}.{lowered}"
        taken.add(lowered)
        if lowered != email:
            bind.execute(
                sa.text("UPDATE users SET email = :email WHERE id = :id"),
                {"email": lowered, "id": user_id},
            )


def upgrade() -> None:
    _rename_colliding_usernames()
    _lowercase_emails()
    op.create_index("uq_users_username_lower", "users", [sa.text("lower(username)")], unique=True)
    op.create_index("uq_users_email_lower", "users", [sa.text("lower(email)")], unique=True)


def downgrade() -> None:
    op.drop_index("uq_users_email_lower", table_name="users")
    op.drop_index("uq_users_username_lower", table_name="users")
