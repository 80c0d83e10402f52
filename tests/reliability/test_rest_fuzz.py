"""Schemathesis against every operation of `/openapi.json`, signed in, on `taskflow serve`.

Generated cases (valid and invalid), some with the ids of a board, column, task and member
the caller really has, must never get a 5xx and every answer must match the schema. The error
statuses docs/API.md names are added to a copy of the schema where it lacks them, and the
server must never have needed one: every status it answered is in `/openapi.json` itself (the
routes' `responses=`); `not_a_server_error` is never relaxed. tests/openapi runs the
Schemathesis CLI with every check and phase on SQLite; this one aims at real ids on PostgreSQL.
Bounded and reproducible: MAX_EXAMPLES per operation, derandomized, no deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import importlib
import pkgutil
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from devstack import Replica
from tests.conftest import TIMEOUT_UNIT, Account, register
from tests.support.databases import PostgresTestDatabase
from tests.support.live import add_member, create_task, new_board


def import_schemathesis_now() -> None:
    """Import every Schemathesis module at once, on a shallow stack. pytest rewrites the modules
    of the plugins it loads (Schemathesis is one); rewriting one lazily, deep inside a Hypothesis
    run, trips CPython 3.11's "AST constructor recursion depth mismatch"."""
    for module in pkgutil.walk_packages(schemathesis.__path__, "schemathesis."):
        with contextlib.suppress(ImportError):  # optional integrations (allure)
            importlib.import_module(module.name)


import_schemathesis_now()
MAX_EXAMPLES = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
ERROR_BODY = {
    "type": "object",
    "required": ["detail"],
    "properties": {"detail": {}},
}
# What docs/API.md says each kind of call may answer besides 2xx and 422.
SIGNED_IN = {"401"}
ENDS_THE_SESSION = {
    "POST /api/auth/logout",
    "POST /api/auth/logout-all",
    "DELETE /api/auth/sessions/{session_id}",
}
ON_A_BOARD = {"403", "404"}
WRITES = {"409", "412"}


@pytest.fixture
def fuzzed_replica(postgres_database: PostgresTestDatabase, tmp_path: Path) -> Iterator[Replica]:
    """A real `taskflow serve` process on PostgreSQL only (the production database, whose
    errors are the ones to map): the run takes about 20 s per database, too much to do twice.
    A process of its own, so this test drives it from the main thread (Schemathesis calls
    block)."""
    asyncio.run(postgres_database.truncate())
    env = {
        "DATABASE_URL": postgres_database.url,
        "ENVIRONMENT": "test",
        "REDIS_URL": "",
        "MONGODB_URI": "",
        "LOG_LEVEL": "warning",
    }
    replica = Replica(env=env, workdir=tmp_path / "fuzzed", name="fuzzed")
    replica.start(timeout=30 * TIMEOUT_UNIT)
    yield replica
    replica.stop()


async def setup(url: str) -> tuple[Account, Account, dict[str, Any], dict[str, Any], Any]:
    """A board the signed-in caller owns, with a member and a task: real ids to aim at."""
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        owner = await register(http, "fuzz_owner")
        member = await register(http, "fuzz_member")
        board = await new_board(http, owner, "fuzzed")
        await add_member(http, owner, board["id"], member, "editor")
        task = await create_task(http, owner, board["id"], "fuzzed task")
        return owner, member, board, task, (await http.get("/openapi.json")).json()


def documented_errors(method: str, path: str, operation: dict[str, Any]) -> set[str]:
    # A body that is not JSON at all: FastAPI answers 400 before validation.
    body = {"400"} if "requestBody" in operation else set()
    if path == "/api/auth/token":
        return body | {"401", "429"}
    if path == "/api/users":
        return body | {"409"}
    if path == "/api/auth/refresh":  # the refresh cookie is the credential
        return {"401", "429"}
    if path == "/api/auth/logout":
        return {"429"}
    if not operation.get("security"):
        return set()
    statuses = SIGNED_IN | body
    if "{" in path:
        statuses |= ON_A_BOARD
    if method != "get" and path != "/api/boards":
        statuses |= WRITES | {"403"}
    return statuses


def with_documented_errors(raw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, set[str]]]:
    """A copy of the schema with the API's error answers added; what was added, per operation."""
    schema = copy.deepcopy(raw)
    added: dict[str, set[str]] = {}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            missing = documented_errors(method, path, operation) - set(operation["responses"])
            for status in missing:
                operation["responses"][status] = {
                    "description": "an error, see docs/API.md",
                    "content": {"application/json": {"schema": ERROR_BODY}},
                }
            added[f"{method.upper()} {path}"] = missing
    return schema, added


def exercise(
    label: str,
    cases: st.SearchStrategy[schemathesis.Case],
    base_url: str,
    auth: dict[str, str],
    seen: dict[str, set[int]],
) -> None:
    @given(case=cases)
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case) -> None:
        response = case.call(base_url=base_url, headers=auth, timeout=30)
        seen[label].add(response.status_code)
        case.validate_response(response, checks=CHECKS, headers=auth)

    run()


def fix_known_gaps(schema: dict[str, Any]) -> list[str]:
    """Schema gaps other than error statuses, patched in the copy so the rest can be checked."""
    fixes = []
    metrics = schema["paths"]["/metrics"]["get"]["responses"]["200"]
    if "text/plain" not in metrics.get("content", {}):
        metrics["content"] = {"text/plain": {"schema": {"type": "string"}}}
        fixes.append("GET /metrics: documented as application/json, answers text/plain")
    ready = schema["paths"]["/readyz"]["get"]["responses"]
    if "503" not in ready:
        ready["503"] = {
            "description": "a backend is down",
            "content": {"application/json": {"schema": ERROR_BODY}},
        }
        fixes.append("GET /readyz: 503 (a backend is down) is not listed")
    # Domain errors answer 422 with a string detail ("invalid cursor", a foreign column_id...);
    # FastAPI's HTTPValidationError only allows the list of validation errors.
    validation = schema["components"]["schemas"].get("HTTPValidationError")
    detail = validation["properties"]["detail"] if validation else {"anyOf": []}
    if "anyOf" not in detail:
        schema["components"]["schemas"]["HTTPValidationError"]["properties"]["detail"] = {
            "anyOf": [{"type": "string"}, detail]
        }
        fixes.append(
            "422 answers: `detail` may be a string (domain errors), the schema says a list"
        )
    return fixes


def fuzz(
    base_url: str, raw: dict[str, Any], token: str, real: dict[str, int]
) -> tuple[dict[str, set[int]], dict[str, str]]:
    """Run every operation; the statuses seen and the failures found, per operation."""
    schema = schemathesis.openapi.from_dict(raw)
    seen: dict[str, set[int]] = defaultdict(set)
    auth = {"Authorization": f"Bearer {token}"}
    failures: dict[str, str] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    # Last, the calls that end the caller's session (every later call would only get 401).
    operations.sort(key=lambda operation: operation.label in ENDS_THE_SESSION)
    for operation in operations:
        names = {p.name for p in operation.path_parameters}
        mine = {name: value for name, value in real.items() if name in names}
        strategies = [
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        ]
        if mine:
            strategies.append(operation.as_strategy(GenerationMode.POSITIVE, path_parameters=mine))
            strategies.append(operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=mine))

        try:
            exercise(operation.label, st.one_of(strategies), base_url, auth, seen)
        except BaseException as exc:  # FailureGroup too; keep going: one report for all
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            failures[operation.label] = str(exc)[:3000]
    return seen, failures


def test_every_operation_answers_within_its_schema_and_never_5xx(fuzzed_replica: Replica) -> None:
    server_url = fuzzed_replica.url
    owner, member, board, task, raw = asyncio.run(setup(server_url))
    real = {
        "board_id": board["id"],
        "column_id": board["columns"][-1]["id"],
        "task_id": task["id"],
        "user_id": member.id,
    }
    schema, added = with_documented_errors(raw)
    other_gaps = fix_known_gaps(schema)
    seen, failures = fuzz(server_url, schema, owner.token, real)
    assert len(seen) == sum(len(ops) for ops in raw["paths"].values()), sorted(seen)
    gaps = {
        label: sorted(str(status) for status in statuses if str(status) in added.get(label, ()))
        for label, statuses in seen.items()
    }
    assert not other_gaps, other_gaps
    assert not any(gaps.values()), f"answered, not in /openapi.json: {gaps}"
    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())
