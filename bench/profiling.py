"""py-spy on a server process while a window runs: where its CPU goes, by function.

`--gil` samples only the thread holding the GIL, so an event loop waiting in epoll (uvloop's
C code) is not mistaken for work. The raw collapsed stacks are kept next to the results.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

from devstack.process import Lifecycle, ManagedProcess

SAMPLES_PER_SECOND = 200


def py_spy() -> str | None:
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.is_file() else shutil.which("py-spy")


class Profile(Lifecycle):
    """Records `seconds` of `pid` into `out` (collapsed stacks); a no-op without py-spy."""

    def __init__(self, pid: int, seconds: float, out: Path) -> None:
        self.pid = pid
        self.seconds = max(1, round(seconds))
        self.out = out
        self._process: ManagedProcess | None = None

    def start(self) -> None:
        binary = py_spy()
        if binary is None:
            return
        self._process = ManagedProcess(
            [
                binary, "record", "--pid", str(self.pid), "--duration", str(self.seconds),
                "--rate", str(SAMPLES_PER_SECOND), "--format", "raw", "--gil",
                "--nonblocking", "--output", str(self.out),
            ],
            log_path=self.out.with_suffix(".log"),
        )  # fmt: skip
        self._process.start()

    def stop(self) -> None:
        """Let py-spy finish its recording (bounded), then make sure it is gone."""
        if self._process is None:
            return
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.wait(self.seconds + 30)
        self._process.kill()


def summarize(collapsed: Path, top: int = 25) -> dict[str, list[tuple[str, float]]]:
    """Share of samples per function: `self` (on top of the stack) and `inclusive`."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    if not collapsed.exists():
        return {"self": [], "inclusive": []}
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        samples = int(count)
        total += samples
        frames = stack.split(";")
        own[frames[-1]] += samples
        for frame in set(frames):
            inclusive[frame] += samples
    if total == 0:
        return {"self": [], "inclusive": []}
    return {
        "self": [(name, round(100 * n / total, 1)) for name, n in own.most_common(top)],
        "inclusive": [
            (name, round(100 * n / total, 1)) for name, n in inclusive.most_common(top * 3)
        ],
    }
