"""The error answers the API documents: one `{"detail": ...}` shape, and which status means what.

Routes pass `responses=answers(...)`, so `/openapi.json` lists every status an operation can give
with its body, and generated clients know the error shapes instead of guessing them.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from taskflow.schemas import TaskPublic


class ValidationIssue(BaseModel):
    """One reason a request did not match this document; the rejected value is never echoed."""

    loc: list[str | int] = Field(
        description="where: `body`, `query`, `path` or `header`, then names"
    )
    msg: str
    type: str


class ErrorBody(BaseModel):
    """Every refusal: `detail` is one sentence saying why."""

    detail: str = Field(description="why the request was refused, as one sentence")


class InvalidBody(BaseModel):
    """A 422: the request does not match this document, or the service refused one of its values."""

    detail: str | list[ValidationIssue] = Field(
        description=(
            "a list of issues (FastAPI's validation errors: `loc`, `msg`, `type`) when the request"
            " does not match this document; one sentence when the service refused a value, e.g."
            " `column_id` not a column of this board, or a malformed activity cursor"
        )
    )


class StaleVersion(BaseModel):
    """A 412: `If-Match` named another version; `detail` is the task as it is now."""

    detail: TaskPublic


_ANSWERS: dict[int, tuple[str, type[BaseModel]]] = {
    400: ("the body could not be read as JSON or form data (e.g. not UTF-8)", ErrorBody),
    401: ("not signed in: the bearer token is missing, bad or expired", ErrorBody),
    403: ("signed in, but the caller's role on the board does not allow this", ErrorBody),
    404: ("no such object, or on a board the caller is not a member of", ErrorBody),
    409: ("conflicts with the current state (a name taken, a column not empty)", ErrorBody),
    412: ("`If-Match` names another version than the task's current one", StaleVersion),
    413: ("the request body is larger than 1 MiB", ErrorBody),
    422: ("the request does not match this document, or a value is refused", InvalidBody),
    429: ("too many requests: nothing was changed, try again later", ErrorBody),
    503: ("the database is unavailable: nothing was changed, try again", ErrorBody),
}

# Status groups most operations share.
SIGNED_IN = (401, 422, 503)
ON_A_BOARD = (*SIGNED_IN, 404)
A_WRITE = (*ON_A_BOARD, 403, 409, 413, 429)
A_CHANGE = (*A_WRITE, 400)  # a write with a body


def answers(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route that may answer these error statuses."""
    return {
        status: {"description": _ANSWERS[status][0], "model": _ANSWERS[status][1]}
        for status in sorted(set(statuses))
    }


def links(status: int, targets: dict[str, dict[str, str]]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI links from a created object to the operations that take its id: what a client
    (and Schemathesis's stateful phase) calls next. `targets`: operationId -> its parameters."""
    return {
        status: {
            "links": {
                operation_id: {"operationId": operation_id, "parameters": parameters}
                for operation_id, parameters in targets.items()
            }
        }
    }
