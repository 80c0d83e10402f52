"""Presence in Redis: one sorted set per board, members scored by when they expire."""

from __future__ import annotations

import time

import orjson

from taskflow.realtime.presence import UserRef
from taskflow.redis_clients import RedisClient


def _key(board_id: int) -> str:
    return f"taskflow:presence:{{{board_id}}}"  # the board's hash tag, as its channel has


class RedisPresence:
    """Presence across replicas; a replica that dies without a word drops out after `ttl` seconds."""

    needs_refresh = True

    def __init__(self, redis: RedisClient, *, replica_id: str, ttl: float) -> None:
        self.redis = redis
        self.replica_id = replica_id
        self.ttl = ttl
        self.mine: dict[int, list[bytes]] = {}

    def _member(self, user: UserRef) -> bytes:
        return orjson.dumps([self.replica_id, user["id"], str(user["username"])])

    async def set_local(self, board_id: int, users: list[UserRef]) -> None:
        members = [self._member(user) for user in users]
        old = self.mine.get(board_id, [])
        key = _key(board_id)
        now = time.time()
        async with self.redis.pipeline(transaction=True) as pipe:
            gone = [member for member in old if member not in members]
            if gone:
                pipe.zrem(key, *gone)
            if members:
                pipe.zadd(key, {member: now + self.ttl for member in members})
                pipe.expire(key, int(self.ttl * 4))
            pipe.zremrangebyscore(key, "-inf", now)
            await pipe.execute()
        if members:
            self.mine[board_id] = members
        else:
            self.mine.pop(board_id, None)

    async def users(self, board_id: int) -> list[UserRef]:
        members = await self.redis.zrangebyscore(_key(board_id), time.time(), "+inf")
        users: dict[int, UserRef] = {}
        for member in members:
            _, user_id, username = orjson.loads(member)  # type: ignore[arg-type]
            users[int(user_id)] = {"id": int(user_id), "username": username}
        return [users[user_id] for user_id in sorted(users)]

    async def refresh(self, boards: dict[int, list[UserRef]]) -> None:
        now = time.time()
        async with self.redis.pipeline(transaction=False) as pipe:
            for board_id, users in boards.items():
                if users:
                    members = {self._member(user): now + self.ttl for user in users}
                    pipe.zadd(_key(board_id), members)
                    pipe.expire(_key(board_id), int(self.ttl * 4))
                    self.mine[board_id] = list(members)
                pipe.zremrangebyscore(_key(board_id), "-inf", now)
            await pipe.execute()

    async def close(self) -> None:
        if not self.mine:
            return
        async with self.redis.pipeline(transaction=False) as pipe:
            for board_id, members in self.mine.items():
                pipe.zrem(_key(board_id), *members)
            await pipe.execute()
        self.mine.clear()
