"""Rows as JSON for a trash item's payload, and back: every mapped column, ids included."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import inspect

from taskflow.models import Base
from taskflow.types import UTCDateTime

Row = TypeVar("Row", bound=Base)


def row_payload(row: Base) -> dict[str, Any]:
    """Every column of the row as JSON (date-times as ISO 8601 text)."""
    values: dict[str, Any] = {}
    for attr in inspect(row).mapper.column_attrs:
        value = getattr(row, attr.key)
        values[attr.key] = value.isoformat() if isinstance(value, datetime) else value
    return values


def row_from_payload(model: type[Row], values: dict[str, Any]) -> Row:
    """A new, unsaved row equal to the one `row_payload` read; columns it lacks keep defaults."""
    fields: dict[str, Any] = {}
    for attr in inspect(model).column_attrs:
        if attr.key not in values:
            # A payload written before a column was added: the column's default applies.
            continue
        value = values[attr.key]
        if value is not None and isinstance(attr.columns[0].type, UTCDateTime):
            value = datetime.fromisoformat(value)
        fields[attr.key] = value
    return model(**fields)
