"""Per-socket command throttle: a token bucket, and a verdict when a client keeps pushing."""

from __future__ import annotations

import time
from enum import Enum


class Verdict(Enum):
    ALLOW = "allow"
    REFUSE = "refuse"
    DISCONNECT = "disconnect"


class CommandThrottle:
    """Allows `rate` frames per second with bursts of `burst`; `burst` refusals in a row disconnect."""

    __slots__ = ("burst", "rate", "refusals", "tokens", "updated")

    def __init__(self, *, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = float(burst)
        self.updated = time.monotonic()
        self.refusals = 0

    def admit(self) -> Verdict:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            self.refusals = 0
            return Verdict.ALLOW
        self.refusals += 1
        return Verdict.DISCONNECT if self.refusals >= self.burst else Verdict.REFUSE
