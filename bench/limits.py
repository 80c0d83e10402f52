"""Process limits a benchmark with thousands of sockets needs."""

from __future__ import annotations

import resource


def raise_fd_limit() -> int:
    """Raise the soft open-files limit to the hard one; returns the new soft limit.

    Children inherit it, so servers started after this call get it too.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return soft
