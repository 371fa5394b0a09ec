"""Request and answer schemas of the evaluation endpoints."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from grid_api.evaluation.definitions import COHORTS, REWORK_DENOMINATORS
from grid_api.evaluation.indicators import GROUPINGS, MAX_PERIOD_DAYS
from grid_api.evaluation.rankings import KINDS
from models.case import CaseSource


class IndicatorArgsSchema(Schema):
    from_ = fields.Date(required=True, data_key="from", metadata={
        "description": "First day of the period (the city's local date)"})
    to = fields.Date(required=True, metadata={
        "description": f"Last day of the period, inclusive; at most {MAX_PERIOD_DAYS} days"})
    group_by = fields.String(load_default="none", validate=validate.OneOf(GROUPINGS))
    area = fields.Integer(metadata={"description": "An area: its whole subtree"})
    unit = fields.Integer()
    worker = fields.Integer(metadata={"description": "A grid worker: the cases they reported"})
    category = fields.String(validate=validate.Length(min=1, max=12), metadata={
        "description": "A category code prefix: `E05` is every street-order case"})
    source = fields.List(fields.Enum(CaseSource))
    urgent = fields.Boolean()

    @validates_schema
    def _period(self, data, **_kwargs):
        first, last = data.get("from_"), data.get("to")
        if first and last and last < first:
            raise ValidationError("Before `from`.", "to")


class RateSchema(Schema):
    value = fields.Float(allow_none=True, metadata={"description": "Percent, 2 decimals"})
    numerator = fields.Integer()
    denominator = fields.Integer()


class FiguresSchema(Schema):
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    rates = fields.Dict(keys=fields.String(), values=fields.Nested(RateSchema))


class GroupSchema(FiguresSchema):
    key = fields.String(allow_none=True)
    label = fields.Dict(allow_none=True)


class DefinitionsSchema(Schema):
    cohort = fields.String(validate=validate.OneOf(COHORTS), metadata={
        "description": "`registered`: a period counts the cases registered in it; "
                       "`reported`: those reported in it"})
    exclude_deferred = fields.Boolean(metadata={
        "description": "缓办 cases leave the on-time denominators"})
    rework_denominator = fields.String(validate=validate.OneOf(REWORK_DENOMINATORS), metadata={
        "description": "返工率 over `handled` (处置数) or over `due` (应结案数)"})
    satisfied_from = fields.Integer(validate=validate.Range(min=1, max=5))


class PeriodSchema(Schema):
    from_ = fields.Date(data_key="from", attribute="from",
                        metadata={"description": "First day (local date)"})
    to = fields.Date(metadata={"description": "Last day, inclusive"})
    timezone = fields.String()


class IndicatorTableSchema(Schema):
    period = fields.Nested(PeriodSchema)
    filters = fields.Dict()
    group_by = fields.String()
    definitions = fields.Nested(DefinitionsSchema)
    as_of = fields.DateTime()
    total = fields.Nested(FiguresSchema)
    groups = fields.List(fields.Nested(GroupSchema))


class RankingArgsSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(list(KINDS)))
    from_ = fields.Date(required=True, data_key="from")
    to = fields.Date(required=True)
    area = fields.Integer()
    category = fields.String(validate=validate.Length(min=1, max=12))


class ComponentSchema(Schema):
    name = fields.String()
    label = fields.String()
    value = fields.Float(allow_none=True, metadata={"description": "0–100"})
    weight = fields.Integer(metadata={"description": "Percent"})
    points = fields.Float(allow_none=True)


class RankedSchema(Schema):
    rank = fields.Integer()
    key = fields.String()
    label = fields.Dict(allow_none=True)
    score = fields.Float()
    grade = fields.String()
    components = fields.List(fields.Nested(ComponentSchema))
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())


class GradeSchema(Schema):
    grade = fields.String(required=True, validate=validate.Length(min=1, max=10))
    from_ = fields.Float(required=True, data_key="from", attribute="from")


class RankingSettingsSchema(Schema):
    weights = fields.Dict(keys=fields.String(validate=validate.OneOf(list(KINDS))),
                          values=fields.Dict(keys=fields.String(), values=fields.Integer()))
    grades = fields.List(fields.Nested(GradeSchema))


class RankingSchema(Schema):
    kind = fields.String()
    period = fields.Nested(PeriodSchema)
    weights = fields.Dict()
    grades = fields.List(fields.Nested(GradeSchema))
    definitions = fields.Nested(DefinitionsSchema)
    items = fields.List(fields.Nested(RankedSchema))


class OverviewArgsSchema(Schema):
    area = fields.Integer(metadata={"description": "An area: its whole subtree (default: "
                                                   "yours; the public one: the whole city)"})


class HeadlineSchema(Schema):
    reported = fields.Integer()
    registered = fields.Integer()
    handled = fields.Integer()
    closed = fields.Integer()
    closing_rate = fields.Float(allow_none=True)
    on_time_closing_rate = fields.Float(allow_none=True)


class DueCaseSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    status = fields.String()
    due_at = fields.DateTime()
    urgent = fields.Boolean()


class DueSchema(Schema):
    count = fields.Integer()
    cases = fields.List(fields.Nested(DueCaseSchema), metadata={"description": "Staff only"})


class OverviewSchema(Schema):
    area = fields.Integer(allow_none=True)
    as_of = fields.DateTime()
    definitions = fields.Nested(DefinitionsSchema)
    today = fields.Nested(HeadlineSchema)
    month = fields.Nested(HeadlineSchema)
    year = fields.Nested(HeadlineSchema)
    trend = fields.Dict(metadata={"description": "This month and this year against the same "
                                                 "days a year before"})
    open_by_status = fields.Dict(keys=fields.String(), values=fields.Integer())
    top_categories = fields.List(fields.Dict())
    sources = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={
        "description": "Cases registered this month by channel (来源)"})
    overdue = fields.Nested(DueSchema)
    due_soon = fields.Nested(DueSchema, metadata={
        "description": "Due within one working day's hours (the working calendar)"})
    most_returned_units = fields.List(fields.Dict(), metadata={"description": "Staff only"})


class HotspotArgsSchema(Schema):
    from_ = fields.Date(required=True, data_key="from")
    to = fields.Date(required=True)
    area = fields.Integer(metadata={"description": "Default: your own area"})
    shape = fields.String(load_default="cell", validate=validate.OneOf(["cell", "hexagon"]))
    size_m = fields.Integer(load_default=500, validate=validate.Range(min=50, max=20000),
                            metadata={"description": "Hexagon side in metres"})
    category = fields.String(validate=validate.Length(min=1, max=12))


class HotspotMapSchema(Schema):
    type = fields.String()
    features = fields.List(fields.Dict(), metadata={
        "description": "Polygons with `count`, `gi_z` (Getis-Ord Gi*) and `significance` "
                       "(`hot_99`, `hot_95`, `cold_95`, `cold_99` or null)"})


class HeatTileArgsSchema(Schema):
    from_ = fields.Date(data_key="from", metadata={"description": "Default: 29 days before `to`"})
    to = fields.Date(metadata={"description": "Default: today, in the city's zone"})
    area = fields.Integer(metadata={"description": "Default: your own area"})
    category = fields.String(validate=validate.Length(min=1, max=12),
                             metadata={"description": "A category code or its prefix"})
