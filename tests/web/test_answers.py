"""`/openapi.json` names every answer: error statuses with their bodies, headers with patterns."""

from __future__ import annotations

import re
from typing import Any

import pytest

from taskflow.main import create_app


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return create_app().openapi()


def operation(schema: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    found: dict[str, Any] = schema["paths"][path][method]
    return found


@pytest.mark.parametrize(
    ("method", "path", "statuses"),
    [
        ("post", "/api/users", {"201", "400", "409", "413", "422", "429", "503"}),
        ("post", "/api/auth/token", {"200", "400", "401", "413", "422", "429", "503"}),
        ("get", "/api/boards/{board_id}", {"200", "401", "404", "422", "503"}),
        (
            "patch",
            "/api/tasks/{task_id}",
            {"200", "400", "401", "403", "404", "409", "412", "413", "422", "429", "503"},
        ),
        (
            "delete",
            "/api/tasks/{task_id}",
            {"204", "401", "403", "404", "409", "412", "413", "422", "429", "503"},
        ),
        (
            "delete",
            "/api/columns/{column_id}",
            {"204", "401", "403", "404", "409", "413", "422", "429", "503"},
        ),
        ("get", "/readyz", {"200", "503"}),
    ],
)
def test_every_status_is_listed_with_a_body(
    schema: dict[str, Any], method: str, path: str, statuses: set[str]
) -> None:
    responses = operation(schema, method, path)["responses"]
    assert set(responses) == statuses
    for status in statuses - {"204"}:
        assert "application/json" in responses[status]["content"], (status, responses[status])


def test_errors_share_one_shape(schema: dict[str, Any]) -> None:
    components = schema["components"]["schemas"]
    assert "HTTPValidationError" not in components
    for name in ("ErrorBody", "InvalidBody", "StaleVersion"):
        assert components[name]["required"] == ["detail"]
    invalid = components["InvalidBody"]["properties"]["detail"]
    assert invalid["anyOf"][0] == {"type": "string"}
    assert invalid["anyOf"][1]["items"] == {"$ref": "#/components/schemas/ValidationIssue"}
    assert components["StaleVersion"]["properties"]["detail"] == {
        "$ref": "#/components/schemas/TaskPublic"
    }


def test_if_match_is_a_pattern_that_refuses_null(schema: dict[str, Any]) -> None:
    for method in ("patch", "delete"):
        (header,) = [
            p for p in operation(schema, method, "/api/tasks/{task_id}")["parameters"]
            if p["in"] == "header"
        ]  # fmt: skip
        assert header["name"] == "If-Match" and header["schema"]["type"] == "string"
        pattern = re.compile(header["schema"]["pattern"])
        for good in ('"3"', "3", "*"):
            assert pattern.match(good)
        for bad in ("null", '"0"', 'W/"3"', ""):
            assert not pattern.match(bad)


def test_idempotency_key_is_declared_on_creates(schema: dict[str, Any]) -> None:
    for path in ("/api/boards", "/api/boards/{board_id}/tasks", "/api/boards/{board_id}/columns"):
        parameters = operation(schema, "post", path)["parameters"]
        headers = {p["name"]: p for p in parameters if p["in"] == "header"}
        assert headers["Idempotency-Key"]["schema"]["pattern"] == r"^[\x21-\x7e]+$"


def test_metrics_is_text(schema: dict[str, Any]) -> None:
    content = operation(schema, "get", "/metrics")["responses"]["200"]["content"]
    assert list(content) == ["text/plain"]


def test_operation_ids_are_the_function_names(schema: dict[str, Any]) -> None:
    ids = {op["operationId"] for ops in schema["paths"].values() for op in ops.values()}
    assert {"register", "sign_in", "create_board", "create_task", "update_task"} <= ids
