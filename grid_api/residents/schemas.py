"""Residents' request and answer schemas: follows, watch areas, dispute rates."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from grid_api.web.fields import CRS, AreaRefSchema, DateTimeInput, PointSchema


class FollowSchema(Schema):
    case_id = fields.Integer()
    following = fields.Boolean()
    followers = fields.Integer(metadata={"description": "How many people follow the case"})


class DisputeRateArgsSchema(Schema):
    since = DateTimeInput()
    until = DateTimeInput()


class DisputeRateSchema(Schema):
    unit = fields.Dict(metadata={"description": "id, code, name"})
    fixed = fields.Integer(metadata={"description": "Closures as fixed in the period"})
    disputed = fields.Integer(metadata={"description": "Of those, disputed by the reporter"})
    rate = fields.Float(allow_none=True)


class DisputeRateListSchema(Schema):
    items = fields.List(fields.Nested(DisputeRateSchema))


class CircleSchema(Schema):
    center = fields.Nested(PointSchema, required=True)
    radius_m = fields.Integer(required=True, validate=validate.Range(min=10), metadata={
        "description": "Metres; at most WATCH_RADIUS_MAX_M"})


class WatchAreaCreateSchema(Schema):
    area_id = fields.Integer(metadata={"description": "A street, community or grid cell"})
    circle = fields.Nested(CircleSchema)
    crs = CRS
    category_groups = fields.List(fields.String(validate=validate.Length(min=1, max=12)),
                                  load_default=list, validate=validate.Length(max=20),
                                  metadata={"description": "Major class codes (大类, e.g. "
                                                           "`E01`); none: every category"})
    daily_digest = fields.Boolean(load_default=False, metadata={
        "description": "One message a day instead of one per case"})


class WatchAreaSchema(Schema):
    id = fields.Integer()
    area = fields.Nested(AreaRefSchema, allow_none=True)
    circle = fields.Nested(CircleSchema, allow_none=True)
    category_groups = fields.List(fields.String())
    daily_digest = fields.Boolean()
    created_at = fields.DateTime()


class WatchAreaListSchema(Schema):
    items = fields.List(fields.Nested(WatchAreaSchema))
