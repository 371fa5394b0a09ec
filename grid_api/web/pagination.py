"""Keyset (cursor) pagination over ``select()`` statements: ``{"items", "next_cursor"}``."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from marshmallow import Schema, fields, validate
from sqlalchemy import Select, tuple_
from sqlalchemy.orm import InstrumentedAttribute, Session

from grid_api.errors import ValidationFailed

MAX_LIMIT = 200


class PageArgsSchema(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_LIMIT))
    cursor = fields.String(load_default=None, metadata={
        "description": "Opaque; pass the `next_cursor` of the previous page"})


@dataclass(frozen=True)
class Page:
    items: list[Any]
    next_cursor: str | None


def _encode(values: list[Any]) -> str:
    plain = [value.isoformat() if isinstance(value, datetime) else value for value in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def _decode(cursor: str, columns: list[InstrumentedAttribute]) -> list[Any]:
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(raw, list) or len(raw) != len(columns):
            raise ValueError(cursor)
        return [
            datetime.fromisoformat(value) if column.type.python_type is datetime else
            column.type.python_type(value)
            for column, value in zip(columns, raw, strict=True)
        ]
    except (ValueError, TypeError, OverflowError, binascii.Error, UnicodeDecodeError) as exc:
        raise ValidationFailed(errors={"cursor": ["Invalid cursor."]}) from exc


def paginate(session: Session, query: Select, *, order_by: list[InstrumentedAttribute],
             limit: int, cursor: str | None, rows: bool = False) -> Page:
    """Newest first by ``order_by`` (descending; the last column must be unique).

    Items are the first selected entity, or whole rows with ``rows=True`` (the first
    element of each row is the entity the cursor is read from).
    """
    if cursor:
        query = query.where(tuple_(*order_by) < tuple_(*_decode(cursor, order_by)))
    query = query.order_by(*(column.desc() for column in order_by)).limit(limit + 1)
    result = session.execute(query)
    fetched = result.all() if rows else result.scalars().all()
    items, more = fetched[:limit], len(fetched) > limit
    next_cursor = None
    if more and items:
        last = items[-1][0] if rows else items[-1]
        next_cursor = _encode([getattr(last, column.key) for column in order_by])
    return Page(list(items), next_cursor)
