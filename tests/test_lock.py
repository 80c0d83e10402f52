"""The dependency lock (requirements/*.txt, made by `make lock`) still satisfies pyproject.toml.

`make run`, `make test`, CI and the image install the lock and nothing else, so a bound raised
in pyproject.toml without `make lock` must fail here rather than go unnoticed.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
RUNTIME_LOCK = ROOT / "requirements" / "runtime.txt"
DEV_LOCK = ROOT / "requirements" / "dev.txt"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)")
# `make test-latest` runs this suite on the newest releases instead of the lock, on purpose.
UNLOCKED = os.environ.get("TASKFLOW_UNLOCKED") == "1"


@dataclass(frozen=True)
class Pin:
    version: Version
    hashes: int


def read_lock(path: Path) -> dict[str, Pin]:
    pins: dict[str, Pin] = {}
    name: str | None = None
    for line in path.read_text().splitlines():
        if match := PIN.match(line):
            name = canonicalize_name(match[1])
            assert name not in pins, f"{path.name}: {name} pinned twice"
            pins[name] = Pin(Version(match[2]), 0)
        elif "--hash=sha256:" in line and name is not None:
            pins[name] = Pin(pins[name].version, pins[name].hashes + 1)
        elif line.strip() and not line.lstrip().startswith("#"):
            raise AssertionError(f"{path.name}: unexpected line {line!r}")
    return pins


def project() -> dict[str, object]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def requirements(*extras: str, build_system: bool = True) -> list[Requirement]:
    data = project()
    table: dict[str, list[str]] = data["project"]  # type: ignore[assignment]
    optional: dict[str, list[str]] = table.get("optional-dependencies", {})  # type: ignore[attr-defined]
    build: list[str] = data["build-system"]["requires"] if build_system else []  # type: ignore[index]
    lines = [
        *table["dependencies"],
        *build,
        *(line for extra in extras for line in optional[extra]),
    ]
    return [Requirement(line) for line in lines]


def unmet(required: list[Requirement], pins: dict[str, Pin]) -> list[str]:
    problems = []
    for requirement in required:
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        pin = pins.get(canonicalize_name(requirement.name))
        if pin is None:
            problems.append(f"{requirement} is not in the lock")
        elif not requirement.specifier.contains(pin.version, prereleases=True):
            problems.append(f"{requirement} is not met by the locked {pin.version}")
    return problems


def test_the_runtime_lock_satisfies_pyproject() -> None:
    problems = unmet(requirements(), read_lock(RUNTIME_LOCK))
    assert not problems, "run `make lock`: " + "; ".join(problems)


def test_the_dev_lock_satisfies_pyproject_with_every_extra() -> None:
    extras = list(project()["project"]["optional-dependencies"])  # type: ignore[index]
    problems = unmet(requirements(*extras), read_lock(DEV_LOCK))
    assert not problems, "run `make lock`: " + "; ".join(problems)


def test_every_pin_is_exact_and_hashed_and_both_locks_agree() -> None:
    runtime, dev = read_lock(RUNTIME_LOCK), read_lock(DEV_LOCK)
    assert not [name for name, pin in {**runtime, **dev}.items() if pin.hashes == 0]
    disagree = {
        name: (pin.version, dev[name].version if name in dev else None)
        for name, pin in runtime.items()
        if name not in dev or dev[name].version != pin.version
    }
    assert not disagree, f"runtime.txt and dev.txt differ: {disagree}"


def test_the_runtime_lock_holds_no_test_or_bench_tool() -> None:
    runtime = read_lock(RUNTIME_LOCK)
    for name in (
        "pytest",
        "hypothesis",
        "schemathesis",
        "openapi-python-client",
        "playwright",
        "mypy",
        "ruff",
        "matplotlib",
    ):
        assert name not in runtime, f"{name} would reach the server image"


def test_this_environment_is_the_lock() -> None:
    """What `make test` installed is exactly the lock (or, under `make test-latest`, within bounds)."""
    dev = read_lock(DEV_LOCK)
    installed = {
        canonicalize_name(dist.metadata["Name"]): Version(dist.version)
        for dist in metadata.distributions()
    }
    if UNLOCKED:
        extras = list(project()["project"]["optional-dependencies"])  # type: ignore[index]
        pins = {name: Pin(version, 1) for name, version in installed.items()}
        problems = unmet(requirements(*extras, build_system=False), pins)
        assert not problems, "; ".join(problems)
        return
    different = {
        name: f"locked {pin.version}, installed {installed.get(name)}"
        for name, pin in dev.items()
        if name not in ("pip", "setuptools", "wheel") and installed.get(name) != pin.version
    }
    assert not different, f"the environment is not the lock (run `make test`): {different}"


def recipe(makefile: str, target: str) -> str:
    return makefile.split(f"\n{target}:", 1)[1].split("\n\n", 1)[0]


def test_make_run_and_make_test_install_the_lock_with_its_hashes() -> None:
    makefile = (ROOT / "Makefile").read_text()
    for stamp, lock in (("$(RUN_STAMP)", "$(RUNTIME_LOCK)"), ("$(DEV_STAMP)", "$(DEV_LOCK)")):
        assert f"--require-hashes --no-deps -r {lock}" in recipe(makefile, stamp)
    assert "$(RUN_STAMP)" in recipe(makefile, "run").splitlines()[0]
    assert "$(DEV_STAMP)" in recipe(makefile, "test").splitlines()[0]
    assert "RUNTIME_LOCK := requirements/runtime.txt" in makefile
    assert "DEV_LOCK     := requirements/dev.txt" in makefile
