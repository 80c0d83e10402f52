"""Reads committed board events back from the database: for `since` replays and gap healing."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select

from taskflow.database import Database
from taskflow.models import Board
from taskflow.services.events import oldest_kept_seq, read_frames


class EventLog:
    """What the database has committed; every read is its own short transaction."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def head(self, board_id: int) -> int | None:
        """The board's latest seq, or None if there is no such board."""
        return (await self.heads([board_id])).get(board_id)

    async def heads(self, board_ids: Collection[int]) -> dict[int, int]:
        if not board_ids:
            return {}
        async with self.db.session() as tx:
            rows = await tx.execute(select(Board.id, Board.seq).where(Board.id.in_(board_ids)))
            return {int(board_id): int(seq) for board_id, seq in rows.all()}

    async def frames(self, board_id: int, *, after: int, upto: int) -> list[tuple[int, str]]:
        """(seq, frame) for after < seq <= upto, as far as they are still kept."""
        async with self.db.session() as tx:
            return await read_frames(tx, board_id=board_id, after_seq=after, upto_seq=upto)

    async def replay(self, board_id: int, *, since: int, head: int) -> list[str] | None:
        """Every frame after `since` up to `head`, or None if some of them are no longer kept."""
        if since == head:
            return []
        frames = await self.frames(board_id, after=since, upto=head)
        if len(frames) != head - since or (frames and frames[0][0] != since + 1):
            return None
        return [frame for _, frame in frames]

    async def oldest(self, board_id: int) -> int | None:
        async with self.db.session() as tx:
            return await oldest_kept_seq(tx, board_id=board_id)
