"""Translation of domain and infrastructure errors into HTTP answers of the `{"detail": ...}` shape."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError

from taskflow.database import UNAVAILABLE
from taskflow.errors import DomainError, Unauthorized
from taskflow.web.idempotency import Replayed, replayed_response

log = logging.getLogger("taskflow.errors")


def _public_error(error: dict[str, Any]) -> dict[str, Any]:
    # FastAPI echoes the rejected input; it may be a password, so only location and reason leave.
    return {
        "loc": list(error.get("loc", ())),
        "msg": error.get("msg", ""),
        "type": error.get("type"),
    }


async def _domain_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthorized) else None
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=headers)


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return JSONResponse({"detail": [_public_error(e) for e in exc.errors()]}, status_code=422)


async def _data_error(_: Request, exc: Exception) -> JSONResponse:
    log.info("value refused by the database: %s", type(exc).__name__)
    return JSONResponse({"detail": "a value is out of range or not storable"}, status_code=422)


async def _integrity_error(_: Request, exc: Exception) -> JSONResponse:
    log.info("integrity error: %s", type(exc).__name__)
    return JSONResponse({"detail": "conflicting change, try again"}, status_code=409)


async def _database_unavailable(_: Request, exc: Exception) -> JSONResponse:
    log.error("database unavailable: %s", type(exc).__name__)
    return JSONResponse({"detail": "database unavailable, try again"}, status_code=503)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(Replayed, replayed_response)
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(DataError, _data_error)
    for exc_type in UNAVAILABLE:
        app.add_exception_handler(exc_type, _database_unavailable)
