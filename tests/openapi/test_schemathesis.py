"""Schemathesis, as its CLI runs for anyone, finds no difference between /openapi.json and the server.

Every check (`--checks all`) and every phase: examples, coverage, fuzzing, and stateful sequences
through the links between operations. The seed is fixed so CI repeats the same run;
`make test-latest` sets TASKFLOW_FUZZ_SEED=random for a new one each time (its seed is printed).
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
from pathlib import Path

from devstack import Replica

HERE = Path(__file__).parent
REPO = HERE.parent.parent
FIXED_SEED = 20261206
# Per operation and phase: keeps the run near a minute on a 2-core machine.
MAX_EXAMPLES = 40


def seed() -> int:
    chosen = os.environ.get("TASKFLOW_FUZZ_SEED", "")
    if chosen == "random":
        return random.SystemRandom().randrange(2**32)
    return int(chosen) if chosen else FIXED_SEED


def test_schemathesis_finds_no_failure(live_server: Replica, tmp_path: Path) -> None:
    chosen = seed()
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "--config-file",
        str(HERE / "schemathesis.toml"),
        "run",
        f"{live_server.url}/openapi.json",
        "--checks",
        "all",
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--seed",
        str(chosen),
        "--max-examples",
        str(MAX_EXAMPLES),
        "--no-color",
        "--report",
        "junit",
        "--report-dir",
        str(tmp_path / "report"),
    ]
    result = subprocess.run(
        command, cwd=REPO, capture_output=True, text=True, timeout=300, check=False
    )
    output = result.stdout + result.stderr
    print(output)  # the closing summary, in the test log
    assert result.returncode == 0, f"seed {chosen}:\n{output[-20000:]}"
    generated = re.search(r"(\d+) generated, (\d+) passed", output)
    assert generated is not None, output[-3000:]
    assert generated.group(1) == generated.group(2)
    for phase in ("Coverage", "Fuzzing", "Stateful"):
        assert re.search(rf"✅ {phase}", output), f"{phase} did not pass:\n{output[-3000:]}"
