"""Activity paging: opaque `before` cursors and one page of a board's feed, newest first."""

from __future__ import annotations

import base64
import binascii
import logging
from dataclasses import dataclass

from taskflow.activity.feed import ActivityEntry, ActivityFeed
from taskflow.errors import Invalid, Unavailable

log = logging.getLogger("taskflow.activity")
_PREFIX = "seq:"
_MAX_CURSOR = 64


def encode(seq: int) -> str:
    """The cursor of the page that starts just below `seq`; stable for a given entry."""
    return base64.urlsafe_b64encode(f"{_PREFIX}{seq}".encode()).decode().rstrip("=")


def decode(cursor: str) -> int:
    """The seq a cursor points below; Invalid for anything `encode` did not produce."""
    if not cursor or len(cursor) > _MAX_CURSOR:
        raise Invalid("invalid cursor")
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise Invalid("invalid cursor") from None
    digits = text.removeprefix(_PREFIX)
    # The round trip refuses other spellings (padding, leading zeros): one cursor per entry.
    if text == digits or not digits.isdigit() or encode(int(digits)) != cursor:
        raise Invalid("invalid cursor")
    return int(digits)


@dataclass(frozen=True, slots=True)
class Page:
    items: list[ActivityEntry]
    next_cursor: str | None


async def read_page(
    feed: ActivityFeed, *, board_uid: str, limit: int, before_seq: int | None
) -> Page:
    """Up to `limit` entries below `before_seq`; `next_cursor` is None on the last page."""
    try:
        # One extra entry tells whether another page exists, so the last page says so.
        entries = await feed.page(board_uid, limit=limit + 1, before_seq=before_seq)
    except Exception as exc:
        log.warning("activity feed read failed: %s", type(exc).__name__)
        raise Unavailable("activity feed unavailable") from exc
    items = entries[:limit]
    more = len(entries) > limit
    return Page(items, encode(items[-1]["seq"]) if more else None)
