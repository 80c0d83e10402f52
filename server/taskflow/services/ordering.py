"""Positions: fractional-index keys, so placing one row never rewrites its siblings.

Rows are ordered by `(position, id)`. Keys come from `fractional-indexing` (base-62 digits in
ASCII order), and compare byte by byte on both databases (see `types.PositionKey`).
Callers hold the board's row lock (`claim_next_seq`), so the neighbours read here cannot change
before the new key is written.

Keys placed again and again into one gap grow (about one character per six splits), so no key is
ever longer than `MAX_KEY_LENGTH`: the placement that would make one first gives every row of its
scope a fresh short key, in order (a rebalance, which the caller announces as one event).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from fractional_indexing import FIError, generate_key_between, generate_n_keys_between
from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from taskflow.errors import Invalid
from taskflow.models import ChecklistItem, Column, Task

Ordered = type[Task] | type[Column] | type[ChecklistItem]
BoardRow = TypeVar("BoardRow", Column, Task, ChecklistItem)
# Generous for real boards (keys stay under 10 characters until a gap is split ~50 times), and
# small enough for every snapshot, event and activity entry that carries a position.
MAX_KEY_LENGTH = 64


class Positioned(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def position(self) -> str: ...


def key_between(low: str | None, high: str | None) -> str:
    """A key strictly between `low` and `high` (None: unbounded on that side)."""
    try:
        key: str = generate_key_between(low, high)
    except FIError as exc:
        # Only reachable with neighbours out of order; never a 500 for a request.
        raise Invalid("neighbours are not in order") from exc
    return key


def first_keys(count: int) -> list[str]:
    """`count` increasing keys for a fresh list."""
    keys: list[str] = generate_n_keys_between(None, None, count)
    return keys


@dataclass(frozen=True, slots=True)
class Placement(Generic[BoardRow]):
    """A new row's key, and the rows of its scope that were rebalanced first (in order), if any."""

    key: str
    rebalanced: list[BoardRow] = field(default_factory=list)


async def place(
    tx: AsyncSession,
    *,
    model: type[BoardRow],
    scope: ColumnElement[bool],
    moving_id: int | None,
    before: Positioned | None,
    after: Positioned | None,
) -> Placement[BoardRow]:
    """The key for a row placed before `before` and/or after `after` (both: between them), or last.

    `moving_id` is the row being moved, left out of the neighbourhood (None when creating).
    Neighbours must already be known to lie in `scope`, and be loaded in `tx` (a rebalance
    updates them in place).
    """
    key = await _key(tx, model, scope, moving_id, before, after)
    if len(key) <= MAX_KEY_LENGTH:
        return Placement(key)
    rows = await rebalance(tx, model=model, scope=scope)
    return Placement(await _key(tx, model, scope, moving_id, before, after), rows)


async def rebalance(
    tx: AsyncSession, *, model: type[BoardRow], scope: ColumnElement[bool]
) -> list[BoardRow]:
    """Give every row of `scope` a fresh, evenly spaced key, keeping their order; the rows."""
    position, ident = _columns(model)
    query = select(model).where(scope).order_by(position, ident)
    rows = list((await tx.execute(query)).scalars())
    for row, key in zip(rows, first_keys(len(rows)), strict=True):
        row.position = key
    await tx.flush()
    return rows


async def _key(
    tx: AsyncSession,
    model: Ordered,
    scope: ColumnElement[bool],
    moving_id: int | None,
    before: Positioned | None,
    after: Positioned | None,
) -> str:
    if before is not None and after is not None:
        if (after.position, after.id) >= (before.position, before.id):
            raise Invalid("after_id must come before before_id")
        following = await _neighbour(tx, model, scope, moving_id, after, forward=True)
        if following is None or following[1] != before.id:
            raise Invalid("after_id and before_id are not adjacent")
        return key_between(after.position, before.position)
    if before is not None:
        preceding = await _neighbour(tx, model, scope, moving_id, before, forward=False)
        return key_between(preceding[0] if preceding else None, before.position)
    if after is not None:
        following = await _neighbour(tx, model, scope, moving_id, after, forward=True)
        return key_between(after.position, following[0] if following else None)
    return key_between(await last_position(tx, model=model, scope=scope, moving_id=moving_id), None)


async def last_position(
    tx: AsyncSession, *, model: Ordered, scope: ColumnElement[bool], moving_id: int | None = None
) -> str | None:
    """The position of the last row in `scope` (ignoring `moving_id`), None if empty."""
    position, ident = _columns(model)
    query = select(position).where(scope)
    if moving_id is not None:
        query = query.where(ident != moving_id)
    result = await tx.execute(query.order_by(position.desc(), ident.desc()).limit(1))
    return result.scalar_one_or_none()


async def _neighbour(
    tx: AsyncSession,
    model: Ordered,
    scope: ColumnElement[bool],
    moving_id: int | None,
    anchor: Positioned,
    *,
    forward: bool,
) -> tuple[str, int] | None:
    position, ident = _columns(model)
    if forward:
        beyond = or_(
            position > anchor.position, and_(position == anchor.position, ident > anchor.id)
        )
        order = (position.asc(), ident.asc())
    else:
        beyond = or_(
            position < anchor.position, and_(position == anchor.position, ident < anchor.id)
        )
        order = (position.desc(), ident.desc())
    query = select(position, ident).where(scope, beyond)
    if moving_id is not None:
        query = query.where(ident != moving_id)
    row = (await tx.execute(query.order_by(*order).limit(1))).first()
    return None if row is None else (row[0], int(row[1]))


def _columns(model: Ordered) -> tuple[InstrumentedAttribute[str], InstrumentedAttribute[int]]:
    return model.position, model.id


async def anchor_in_board(
    tx: AsyncSession, model: type[BoardRow], *, board_id: int, row_id: int | None, field: str
) -> BoardRow | None:
    """The row named by a `before_id`/`after_id`, fresh; Invalid if it is not on this board."""
    if row_id is None:
        return None
    query = (
        select(model)
        .where(model.id == row_id, model.board_id == board_id)
        .execution_options(populate_existing=True)
    )
    row = (await tx.execute(query)).scalar_one_or_none()
    if row is None:
        raise Invalid(f"{field} is not a {model.__name__.lower()} of this board")
    return row
