"""Custom fields shared by the schemas."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields

from grid_api.phones import normalize_phone


class PhoneNumber(fields.String):
    """A mainland mobile (``13800138000``) or E.164 number, loaded as E.164."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {}).setdefault("example", "13800138000")
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        raw = super()._deserialize(value, attr, data, **kwargs)
        phone = normalize_phone(raw)
        if phone is None:
            raise ValidationError("Not a valid phone number.")
        return phone
