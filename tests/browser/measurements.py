"""What the browser tests measured in this session; conftest prints a summary line."""

from __future__ import annotations

# How long a change made in one tab took to show in another (ms).
PROPAGATION_MS: list[float] = []
# How long a board showed something else than "connected" after its replica went away (ms).
RECONNECT_MS: list[float] = []
# How long after the network came back another user saw the edits made offline (ms).
OFFLINE_CONVERGE_MS: list[float] = []
