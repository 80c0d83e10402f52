"""Per-user write rate on REST: the same token bucket a live socket's commands go through.

Per replica and in memory: a user behind a load balancer gets at most the rate times the number
of replicas, which bounds what one account can write without any shared store on the hot path.
"""

from __future__ import annotations

from collections import OrderedDict

from taskflow.errors import RateLimited
from taskflow.realtime.throttle import CommandThrottle, Verdict


class WriteLimiter:
    """Allows each user `rate` writes a second with bursts of `burst`; remembers `max_users`."""

    def __init__(self, *, rate: float, burst: int, max_users: int = 10_000) -> None:
        self.rate = rate
        self.burst = burst
        self.max_users = max_users
        self._buckets: OrderedDict[int, CommandThrottle] = OrderedDict()

    def admit(self, user_id: int) -> None:
        """Count one write of `user_id`; RateLimited when the user is over the rate."""
        bucket = self._buckets.get(user_id)
        if bucket is None:
            while len(self._buckets) >= self.max_users:
                self._buckets.popitem(last=False)
            bucket = self._buckets[user_id] = CommandThrottle(rate=self.rate, burst=self.burst)
        else:
            self._buckets.move_to_end(user_id)
        if bucket.admit() is not Verdict.ALLOW:
            raise RateLimited("too many changes; slow down")
