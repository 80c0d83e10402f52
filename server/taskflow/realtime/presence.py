"""The presence interface: who is connected to each board, across replicas."""

from __future__ import annotations

from typing import Protocol, TypedDict


class UserRef(TypedDict):
    """A user as presence and `hello` frames name them."""

    id: int
    username: str


class PresenceStore(Protocol):
    """Everyone connected to a board; a replica that vanished without a word drops out within the TTL."""

    needs_refresh: bool

    async def set_local(self, board_id: int, users: list[UserRef]) -> None:
        """Replace the users this replica has on the board (an empty list removes them)."""

    async def users(self, board_id: int) -> list[UserRef]:
        """Every user on the board, once each however many tabs and replicas, ordered by id."""

    async def refresh(self, boards: dict[int, list[UserRef]]) -> None:
        """Keep this replica's entries alive."""

    async def close(self) -> None: ...
