"""The wire vocabulary every API shares: points and their coordinate system, bounding
boxes, phone numbers, date-times (``DateTimeInput``, from ``infra.timestamps``), and
references to areas and units."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from geo.coordinates import LAT_MAX, LAT_MIN, LON_MAX, LON_MIN, valid_bbox, valid_lon_lat
from geo.crs import Crs
from grid_api.identity.phones import normalize_phone
from grid_api.infra.timestamps import DateTimeInput

CRS = fields.String(load_default=Crs.wgs84.value, validate=validate.OneOf([c.value for c in Crs]),
                    metadata={"description": "Coordinate system of the input: wgs84 (default), "
                                             "gcj02 (Amap, Tencent) or bd09 (Baidu)"})
LON = validate.Range(min=LON_MIN, max=LON_MAX)
LAT = validate.Range(min=LAT_MIN, max=LAT_MAX)


class BBox(fields.String):
    """``min_lon,min_lat,max_lon,max_lat`` in WGS-84."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any):
        raw = super()._deserialize(value, attr, data, **kwargs)
        try:
            parts = tuple(float(part) for part in raw.split(","))
        except ValueError as exc:
            raise ValidationError("Must be min_lon,min_lat,max_lon,max_lat.") from exc
        if len(parts) != 4 or not valid_bbox(*parts):  # noqa: PLR2004 - four numbers
            raise ValidationError("Must be min_lon,min_lat,max_lon,max_lat.")
        return parts


class PointSchema(Schema):
    """A GeoJSON Point (RFC 7946): ``[lon, lat]``."""

    type = fields.String(required=True, validate=validate.Equal("Point"))
    coordinates = fields.List(fields.Float(allow_nan=False), required=True,
                              validate=validate.Length(equal=2))

    @validates_schema
    def _in_range(self, data, **_kwargs):
        if not valid_lon_lat(*data.get("coordinates", (0, 0))):
            raise ValidationError("Coordinates out of range.", "coordinates")


class AreaRefSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    level = fields.String()



class UnitRefSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()



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


__all__ = ["CRS", "LAT", "LON", "AreaRefSchema", "BBox", "DateTimeInput", "PhoneNumber",
           "PointSchema", "UnitRefSchema"]
