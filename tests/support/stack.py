"""The multi-replica topology for cluster, fault and browser tests: one per test session."""

from __future__ import annotations

from devstack import Stack


def heal(stack: Stack) -> None:
    """Bring back whatever an earlier test took down, so every test starts on a whole stack."""
    if stack.redis_server is not None and not stack.redis_server.running:
        stack.start_redis()
    if stack.mongo_server is not None and not stack.mongo_server.running:
        stack.start_mongo()
    restarted = False
    for index, replica in enumerate(stack.replicas):
        if not replica.running:
            stack.start_replica(index)
            restarted = True
    if restarted:
        # Nginx keeps skipping an upstream that failed for a while; a reload forgets that.
        stack.reload_nginx()
