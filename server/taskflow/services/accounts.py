"""Accounts: registration and password sign-in."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from taskflow.errors import Conflict, Unauthorized
from taskflow.models import User
from taskflow.schemas import UserCreate
from taskflow.security import hash_password, verify_password


async def register_user(*, tx: AsyncSession, cmd: UserCreate) -> User:
    """Create an account; a taken username or email (even in a race) raises Conflict."""
    user = User(
        username=cmd.username,
        email=cmd.email.lower(),
        password_hash=await hash_password(cmd.password),
    )
    tx.add(user)
    try:
        await tx.flush()
    except IntegrityError as exc:
        await tx.rollback()
        raise Conflict("username or email already taken") from exc
    return user


async def authenticate(*, tx: AsyncSession, username: str, password: str) -> User:
    """The user with these credentials; unknown user and wrong password fail the same way."""
    result = await tx.execute(select(User).where(func.lower(User.username) == username.lower()))
    user = result.scalar_one_or_none()
    # End the read before the slow hash check: on SQLite an open transaction holds the write lock.
    await tx.commit()
    valid = await verify_password(password, user.password_hash if user else None)
    if user is None or not valid:
        raise Unauthorized("incorrect username or password")
    return user


async def get_user(*, tx: AsyncSession, user_id: int) -> User | None:
    return await tx.get(User, user_id)
