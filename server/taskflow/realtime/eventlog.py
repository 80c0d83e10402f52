"""Reads committed board events back from the database: for `since` replays and gap healing."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import func, select

from taskflow.database import Database
from taskflow.models import Board, BoardEvent
from taskflow.services.events import oldest_kept_seq, read_frames

# What one socket may be sent as its `since` replay; past either bound it gets `resync` and
# reloads the snapshot, so 50 sockets of one account at since=0 cannot take gigabytes.
REPLAY_MAX_EVENTS = 1_000
REPLAY_MAX_BYTES = 1 << 20


class EventLog:
    """What the database has committed; every read is its own short transaction."""

    def __init__(
        self,
        db: Database,
        *,
        max_events: int = REPLAY_MAX_EVENTS,
        max_bytes: int = REPLAY_MAX_BYTES,
    ) -> None:
        self.db = db
        self.max_events = max_events
        self.max_bytes = max_bytes

    async def head(self, board_id: int) -> int | None:
        """The board's latest seq, or None if there is no such board."""
        return (await self.heads([board_id])).get(board_id)

    async def heads(self, board_ids: Collection[int]) -> dict[int, int]:
        if not board_ids:
            return {}
        async with self.db.read_session() as tx:
            rows = await tx.execute(select(Board.id, Board.seq).where(Board.id.in_(board_ids)))
            return {int(board_id): int(seq) for board_id, seq in rows.all()}

    async def frames(self, board_id: int, *, after: int, upto: int) -> list[tuple[int, str]]:
        """(seq, frame) for after < seq <= upto, as far as they are still kept."""
        async with self.db.read_session() as tx:
            return await read_frames(tx, board_id=board_id, after_seq=after, upto_seq=upto)

    async def replay(self, board_id: int, *, since: int, head: int) -> list[str] | None:
        """Every frame after `since` up to `head`, or None if some of them are no longer kept
        or they are more than one socket may be sent at once (the bounds above)."""
        if since == head:
            return []
        if (
            head - since > self.max_events
            or await self._size(board_id, since, head) > self.max_bytes
        ):
            return None
        frames = await self.frames(board_id, after=since, upto=head)
        if len(frames) != head - since or (frames and frames[0][0] != since + 1):
            return None
        return [frame for _, frame in frames]

    async def _size(self, board_id: int, after: int, upto: int) -> int:
        async with self.db.read_session() as tx:
            size = await tx.scalar(
                select(func.coalesce(func.sum(func.length(BoardEvent.frame)), 0)).where(
                    BoardEvent.board_id == board_id, BoardEvent.seq > after, BoardEvent.seq <= upto
                )
            )
        return int(size or 0)

    async def oldest(self, board_id: int) -> int | None:
        async with self.db.read_session() as tx:
            return await oldest_kept_seq(tx, board_id=board_id)
