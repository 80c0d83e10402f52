"""Logging: one line per request, and no token or password ever reaches a handler."""

from __future__ import annotations

import logging
import re
from typing import Any

_SECRET_QUERY = re.compile(r"((?:access_)?token|password)=[^&\s\"']*", re.IGNORECASE)
_BEARER = re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]+", re.IGNORECASE)
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")


def redact(text: str) -> str:
    text = _SECRET_QUERY.sub(r"\1=[redacted]", text)
    text = _BEARER.sub(r"\1[redacted]", text)
    return _JWT.sub("[redacted-token]", text)


def without_query(value: object) -> object:
    """A request path without its query string; anything else as it is."""
    if isinstance(value, str) and value.startswith("/") and "?" in value:
        return value.split("?", 1)[0] + "?[query removed]"
    return value


class RedactSecrets(logging.Filter):
    """Rewrites a record so its rendered message carries no token.

    uvicorn logs a socket's path with its query (`"WebSocket /ws/boards/1?token=…" [accepted]`).
    The endpoint decodes the query, so `%74oken=` is a token too: no pattern over the raw text
    can know every spelling. Paths passed as arguments lose their whole query; the patterns
    below still catch a token written anywhere else.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(without_query(arg) for arg in record.args)
        message = record.getMessage()
        if may_hold_secret(message):
            message = redact(message)
        # Rendered once here: the formatter finds no arguments left to apply.
        record.msg, record.args = message, None
        return True


def may_hold_secret(text: str) -> bool:
    """False only when none of the patterns of `redact` can match `text` (most lines)."""
    if not text.isascii():  # case-insensitive matching beyond ASCII: let the patterns decide
        return True
    lowered = text.lower()
    return "token" in lowered or "password" in lowered or "bearer" in lowered or "eyj" in lowered


def logging_config(level: str) -> dict[str, Any]:
    """A dictConfig for uvicorn and our loggers, with the redacting filter on every handler."""
    fmt = "%(asctime)s %(levelname)s %(name)s: %(message)s"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact": {"()": RedactSecrets}},
        "formatters": {"plain": {"format": fmt}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "plain",
                "filters": ["redact"],
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": level.upper(), "propagate": False},
            "uvicorn.error": {"level": level.upper()},
            # websockets' INFO line per socket ("connection open") repeats uvicorn's "[accepted]".
            "uvicorn.error.websockets": {"level": _quieter_than_info(level.upper())},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
            "taskflow": {"handlers": ["stderr"], "level": level.upper(), "propagate": False},
        },
        "root": {"handlers": ["stderr"], "level": "WARNING"},
    }


def _quieter_than_info(level: str) -> str:
    return "WARNING" if level == "INFO" else level
