"""The deployment files under test: compose, Dockerfile, .dockerignore and dotenv files."""

from __future__ import annotations

import fnmatch
import json
import re
import secrets
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from devstack.paths import REPO_ROOT

COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
# The operator's secrets: secrets.env (uncommitted) has the keys of this committed example.
SECRETS_EXAMPLE = REPO_ROOT / "secrets.env.example"
DOCKERFILE = REPO_ROOT / "server" / "Dockerfile"
DOCKERIGNORE = REPO_ROOT / ".dockerignore"
# The Compose Specification schema as vendored by check-jsonschema 0.39.0 (PyPI), byte for byte
# (sha256 d549057e...); Apache-2.0, see LICENSE.compose-spec. Refresh from a newer release.
COMPOSE_SCHEMA = Path(__file__).with_name("compose-spec.json")


@cache
def compose_raw() -> dict[str, Any]:
    """docker-compose.yml as written, before interpolation."""
    document = yaml.safe_load(COMPOSE_FILE.read_text())
    assert isinstance(document, dict)
    return document


@cache
def operator_secrets() -> dict[str, str]:
    """What an operator's secrets.env holds: every key of the example, made as the README says."""
    return {name: secrets.token_urlsafe(48) for name in dotenv(SECRETS_EXAMPLE)}


def interpolation_env() -> dict[str, str]:
    """What compose interpolates with: the project's .env, then the operator's --env-file."""
    return dotenv(REPO_ROOT / ".env") | operator_secrets()


@cache
def compose() -> dict[str, Any]:
    """docker-compose.yml as compose runs it, with the operator's secrets."""
    document = interpolate(compose_raw(), interpolation_env())
    assert isinstance(document, dict)
    return document


class MissingVariable(Exception):
    """A `${NAME:?message}` (or `${NAME?message}`) whose variable is not given."""

    def __init__(self, names: set[str]) -> None:
        super().__init__(f"compose refuses to start without: {', '.join(sorted(names))}")
        self.names = names


_INTERPOLATION = re.compile(
    r"\$(?:(?P<escaped>\$)"
    r"|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}"
    r"|(?P<named>[A-Za-z_][A-Za-z0-9_]*))"
)


def interpolate(value: Any, env: Mapping[str, str]) -> Any:
    """Compose's variable interpolation of every string in `value` (no nested defaults).

    Raises MissingVariable naming every required variable that is unset (or empty, for `:?`).
    """
    missing: set[str] = set()

    def substitute(match: re.Match[str]) -> str:
        if match["escaped"]:
            return "$"
        name = match["braced"] or match["named"]
        op, arg = match["op"], match["arg"] or ""
        current = env.get(name)
        is_set = current is not None and (current != "" or not (op or "").startswith(":"))
        if op in ("?", ":?") and not is_set:
            missing.add(name)
            return ""
        if op in ("-", ":-"):
            return current if is_set and current is not None else arg
        if op in ("+", ":+"):
            return arg if is_set else ""
        return current or ""

    def walk(node: Any) -> Any:
        if isinstance(node, str):
            return _INTERPOLATION.sub(substitute, node)
        if isinstance(node, list):
            return [walk(item) for item in node]
        if isinstance(node, dict):
            return {key: walk(item) for key, item in node.items()}
        return node

    result = walk(value)
    if missing:
        raise MissingVariable(missing)
    return result


@cache
def compose_schema() -> dict[str, Any]:
    schema = json.loads(COMPOSE_SCHEMA.read_text())
    assert isinstance(schema, dict)
    return schema


def service(name: str) -> dict[str, Any]:
    services = compose()["services"]
    assert name in services, f"docker-compose.yml has no service {name!r}"
    found = services[name]
    assert isinstance(found, dict)
    return found


def dotenv(path: Path) -> dict[str, str]:
    """KEY=value lines of a dotenv file (comments and blank lines skipped, no quoting used)."""
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def env_files(svc: dict[str, Any]) -> list[Path]:
    entries = svc.get("env_file", [])
    entries = [entries] if isinstance(entries, str | dict) else entries
    paths = [entry["path"] if isinstance(entry, dict) else entry for entry in entries]
    return [REPO_ROOT / path for path in paths]


def effective_env(svc: dict[str, Any]) -> dict[str, str]:
    """What a container of `svc` gets: its env_files, then `environment` on top (compose order)."""
    env: dict[str, str] = {}
    for path in env_files(svc):
        env.update(dotenv(path))
    environment = svc.get("environment", {})
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)
    env.update({key: str(value) for key, value in environment.items()})
    return env


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str
    line: int

    def exec_form(self) -> list[str]:
        """The JSON (exec) form of CMD/ENTRYPOINT/HEALTHCHECK CMD, or a shell-split fallback."""
        text = (
            self.arguments.split("CMD", 1)[1] if self.keyword == "HEALTHCHECK" else self.arguments
        )
        text = text.strip()
        if text.startswith("["):
            parsed = json.loads(text)
            assert isinstance(parsed, list)
            return [str(item) for item in parsed]
        return shlex.split(text)


@cache
def dockerfile() -> tuple[Instruction, ...]:
    """Instructions, continuation lines joined and comment lines dropped, as Docker reads them."""
    instructions: list[Instruction] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(DOCKERFILE.read_text().splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if not pending:
            start = number
        continued = stripped.endswith("\\")
        pending.append(stripped.removesuffix("\\").strip())
        if not continued:
            keyword, _, arguments = " ".join(pending).partition(" ")
            instructions.append(Instruction(keyword.upper(), arguments.strip(), start))
            pending = []
    return tuple(instructions)


def dockerignore_patterns() -> list[str]:
    lines = DOCKERIGNORE.read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def dockerignored(relative: str) -> bool:
    """True when .dockerignore keeps `relative` (or a folder above it) out of the build context."""
    parts = Path(relative).parts
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for pattern in dockerignore_patterns():
        pattern = pattern.strip("/")
        for candidate in candidates:
            if fnmatch.fnmatch(candidate, pattern):
                return True
            if pattern.startswith("**/") and fnmatch.fnmatch(Path(candidate).name, pattern[3:]):
                return True
    return False
