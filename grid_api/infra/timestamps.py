"""Timestamps at the edges: the field every date-time input is read with (UTC, within a
sane range), and values PostgreSQL holds but Python cannot, read back clamped rather than
as an error.

PostgreSQL stores years from 4713 BC to 294276 AD and ``±infinity``; Python's datetime
covers years 1 to 9999. A row written before inputs were bounded (or by hand) would
otherwise make every query that reads it fail. Such values load as the nearest datetime
Python has, in UTC, and a warning names the raw value.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import psycopg
from marshmallow import ValidationError, fields
from psycopg.adapt import Buffer, Loader
from psycopg.pq import Format

log = logging.getLogger(__name__)
# Every date-time taken from outside (requests, photo EXIF) lies in [SANE_FROM, SANE_UNTIL).
SANE_FROM = datetime(2000, 1, 1, tzinfo=UTC)
SANE_UNTIL = datetime(2100, 1, 1, tzinfo=UTC)
EARLIEST = datetime(1, 1, 2, tzinfo=UTC)  # a day inside the range: room to change zones
LATEST = datetime(9999, 12, 30, tzinfo=UTC)


def _clamped(raw: bytes) -> datetime:
    text = raw.decode("ascii", "replace")
    log.warning("timestamp %r is outside what Python can hold; read as the nearest one", text)
    return EARLIEST if text.startswith("-") or text.endswith(" BC") else LATEST


class _ClampingLoader(Loader):
    """Delegates to psycopg's own (C) loader; only values it cannot hold are clamped."""

    format = Format.TEXT
    inner_class: type[Loader]

    def __init__(self, oid: int, context: Any = None) -> None:
        super().__init__(oid, context)
        self._inner = self.inner_class(oid, context)

    def load(self, data: Buffer) -> datetime:
        try:
            return self._inner.load(data)
        except psycopg.DataError:
            return _clamped(bytes(data))


def install(connection: psycopg.Connection) -> None:
    """Use the clamping loader for ``timestamptz`` on ``connection``."""
    for type_name in ("timestamptz",):
        oid = connection.adapters.types[type_name].oid
        inner = connection.adapters.get_loader(oid, Format.TEXT)
        loader = type(f"Clamping_{type_name}", (_ClampingLoader,), {"inner_class": inner})
        connection.adapters.register_loader(type_name, loader)


class DateTimeInput(fields.AwareDateTime):
    """Every date-time a client sends: ISO 8601, UTC when no offset is given, loaded in UTC
    and refused outside [2000-01-01, 2100-01-01) UTC.

    The range is checked after the conversion to UTC, so no offset can push a value past
    what PostgreSQL and Python both hold (``0001-01-01T00:00:00+14:00`` is a BC date).
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("default_timezone", UTC)
        super().__init__(**kwargs)
        self.metadata.setdefault("description", "ISO 8601, UTC when no offset is given; "
                                                "2000-01-01 to 2100-01-01")

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        loaded = super()._deserialize(value, attr, data, **kwargs)
        try:
            utc = loaded.astimezone(UTC)
        except OverflowError as exc:
            raise ValidationError("Must be between 2000-01-01 and 2100-01-01.") from exc
        if not SANE_FROM <= utc < SANE_UNTIL:
            raise ValidationError("Must be between 2000-01-01 and 2100-01-01.")
        return utc
