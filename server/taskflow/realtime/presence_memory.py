"""Presence kept in this process: exact, and all there is when there is one replica."""

from __future__ import annotations

from taskflow.realtime.presence import UserRef


class MemoryPresence:
    """Presence of this process's sockets only."""

    needs_refresh = False

    def __init__(self) -> None:
        self.boards: dict[int, list[UserRef]] = {}

    async def set_local(self, board_id: int, users: list[UserRef]) -> None:
        if users:
            self.boards[board_id] = sorted(users, key=lambda user: user["id"])
        else:
            self.boards.pop(board_id, None)

    async def users(self, board_id: int) -> list[UserRef]:
        return list(self.boards.get(board_id, []))

    async def refresh(self, boards: dict[int, list[UserRef]]) -> None:
        return None

    async def close(self) -> None:
        self.boards.clear()
