"""Case schemas: the report a phone sends, case views, lists, photos (actions: commands)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from grid_api.cases.queues import WorkQueue
from grid_api.web.fields import (
    CRS,
    LAT,
    LON,
    AreaRefSchema,
    BBox,
    DateTimeInput,
    PointSchema,
    UnitRefSchema,
)
from grid_api.web.pagination import PageArgsSchema
from models.case import CaseSource, CaseStatus


class CaseCreateSchema(Schema):
    category = fields.String(required=True, validate=validate.Length(max=12),
                             metadata={"example": "E0102"})
    description = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    location = fields.Nested(PointSchema, required=True)
    crs = CRS
    address = fields.String(validate=validate.Length(max=200))
    seen_at = DateTimeInput(metadata={"description": "When the reporter saw it"})
    source = fields.Enum(CaseSource, metadata={"description": (
        "The channel (来源). Residents report from the app; grid workers default to "
        "`grid_worker`, other staff to `supervision`; staff filing for the hotline, video, "
        "a leader or the media name it")})
    urgent = fields.Boolean(load_default=False, metadata={
        "description": "急要件: shorter time limits; supervisors only"})
    answers = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=40)),
        validate=validate.Length(max=50), metadata={
            "description": "Answers to the category's questions (GET /api/v1/categories/"
                           "{code}/questions), by question code: a string or number, a choice's "
                           "key, a list of keys for multivaluelist, an ISO 8601 date-time with "
                           "its zone (2000–2100) for datetime. Required questions must be "
                           "answered",
            "example": {"depth_cm": 30, "blocks": ["cars"]}})
    handled_on_site = fields.Boolean(load_default=False, metadata={"description": (
        "自行处置: a grid worker fixed it on the spot, in one of their own cells, in a "
        "category that allows it. The report waits in `reported` for a `before` and an "
        "`after` photo (`kind` on the photo upload, each taken near the case); the upload "
        "completing the pair has the system register, resolve and close it. Never "
        "dispatched")})


class CategoryRefSchema(Schema):
    code = fields.String()
    kind = fields.String()
    name_zh = fields.String()
    name_en = fields.String()


class GridRefSchema(AreaRefSchema):
    ancestors = fields.List(fields.Nested(AreaRefSchema))


class ReporterSchema(Schema):
    id = fields.Integer()
    display_name = fields.String()
    phone = fields.String(metadata={"description": "Staff only"})


class DeadlinesSchema(Schema):
    register = fields.DateTime(allow_none=True)
    handle = fields.DateTime(allow_none=True)
    verify = fields.DateTime(allow_none=True)


class DuplicateRefSchema(Schema):
    id = fields.Integer()
    code = fields.String(allow_none=True)
    href = fields.String()


class DecidedBySchema(Schema):
    role = fields.String(metadata={"description": "supervisor, unit_staff, grid_worker, admin "
                                                 "or system; never a person"})
    unit = fields.String(allow_none=True, metadata={"description": "The unit or area"})


class OutcomeSchema(Schema):
    kind = fields.String(metadata={"description": "fixed, not_fixable_now, "
                                                 "not_our_responsibility, duplicate, invalid"})
    reason = fields.String(allow_none=True)
    responsible_body = fields.String(allow_none=True)
    duplicate_of = fields.Nested(DuplicateRefSchema, allow_none=True)
    decided_by = fields.Nested(DecidedBySchema)
    decided_at = fields.DateTime()


class CaseSchema(Schema):
    """A case. With ``redacted: true`` (someone else's case) only the public part is there."""

    id = fields.Integer()
    code = fields.String()
    status = fields.String()
    source = fields.String(metadata={"description": "The channel it came in through (来源)"})
    urgent = fields.Boolean(metadata={"description": "急要件: shorter time limits"})
    handled_on_site = fields.Boolean(metadata={
        "description": "自行处置: reported as fixed on the spot by a grid worker"})
    redacted = fields.Boolean()
    actions = fields.List(fields.String(), metadata={
        "description": "The workflow actions you may take on the case now"})
    category = fields.Nested(CategoryRefSchema)
    description = fields.String(allow_none=True)
    location = fields.Nested(PointSchema)
    address = fields.String(allow_none=True)
    grid = fields.Nested(GridRefSchema)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    version = fields.Integer()
    seen_at = fields.DateTime(allow_none=True)
    reported_crs = fields.String()
    reporter = fields.Nested(ReporterSchema)
    unit = fields.Nested(UnitRefSchema, allow_none=True)
    deadlines = fields.Nested(DeadlinesSchema)
    extension_requested_until = fields.DateTime(allow_none=True)
    overdue = fields.Boolean()
    deferred = fields.Boolean()
    needs_manual_dispatch = fields.Boolean()
    return_count = fields.Integer()
    frequently_returned = fields.Boolean()
    rework_count = fields.Integer()
    rating = fields.Integer(allow_none=True)
    duplicate_of = fields.Integer(allow_none=True)
    distance_m = fields.Float(metadata={"description": "Nearby search only"})
    location_precision = fields.String(metadata={
        "description": "`exact`, or `grid_cell`: a sensitive category's case shows the public "
                       "only its grid cell's centre, and no description or address"})
    followers = fields.Integer(metadata={"description": "How many people follow it (我也遇到)"})
    following = fields.Boolean(metadata={"description": "Whether you follow it"})
    can_follow = fields.Boolean(metadata={"description": "Whether you may follow it: a public "
                                                         "case that is not your own"})
    outcome = fields.Nested(OutcomeSchema, allow_none=True, metadata={
        "description": "Closed or rejected cases: what became of it and who decided"})
    answers = fields.Dict(metadata={
        "description": "The answers to the category's questions it was filed with, by "
                       "question code (the reporter and staff in scope; not in lists)"})


class CasePageSchema(Schema):
    items = fields.List(fields.Nested(CaseSchema))
    next_cursor = fields.String(allow_none=True)


class CaseListArgsSchema(PageArgsSchema):
    status = fields.List(fields.String(validate=validate.OneOf([s.value for s in CaseStatus])))
    category = fields.String(validate=validate.Length(max=12))
    area = fields.Integer()
    unit = fields.Integer()
    bbox = BBox()
    mine = fields.Boolean(load_default=False)
    overdue = fields.Boolean()
    source = fields.List(fields.Enum(CaseSource))
    urgent = fields.Boolean()
    created_from = DateTimeInput()
    created_to = DateTimeInput()
    queue = fields.Enum(WorkQueue, metadata={
        "description": "A command-centre work queue: cases waiting for a decision"})


class NearbyArgsSchema(Schema):
    lon = fields.Float(required=True, validate=LON)
    lat = fields.Float(required=True, validate=LAT)
    crs = CRS
    category = fields.String(validate=validate.Length(max=12))
    radius_m = fields.Float(load_default=100, validate=validate.Range(min=1, max=2000))
    days = fields.Integer(load_default=30, validate=validate.Range(min=1, max=365))
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class EventSchema(Schema):
    id = fields.Integer()
    seq = fields.Integer()
    action = fields.String()
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    actor_id = fields.Integer(allow_none=True, metadata={"description": "Staff only"})
    note = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    internal = fields.Boolean()
    data = fields.Dict()
    created_at = fields.DateTime()


class EventListSchema(Schema):
    items = fields.List(fields.Nested(EventSchema))


class AttachmentSchema(Schema):
    id = fields.Integer()
    purpose = fields.String()
    kind = fields.String(allow_none=True, metadata={
        "description": "自行处置 evidence: `before` or `after` the fix; otherwise null"})
    case_status = fields.String(metadata={
        "description": "Upload only: the case's status after it (a fix on the spot is "
                       "`closed` once its second photo is in)"})
    width = fields.Integer()
    height = fields.Integer()
    size_bytes = fields.Integer()
    created_at = fields.DateTime()
    url = fields.String()
    exif = fields.Dict(metadata={"description": "Staff only: position and time in the "
                                                "original file, distance to the case"})
    far_from_case = fields.Boolean(metadata={"description": "Staff only"})
    publishable = fields.Boolean(metadata={
        "description": "Marked publishable by staff: shown to everyone who sees the case. "
                       "Until then only the reporter and the staff in charge see it"})


class PublishableSchema(Schema):
    publishable = fields.Boolean(required=True)


class AttachmentListSchema(Schema):
    items = fields.List(fields.Nested(AttachmentSchema))


class AttachmentFormSchema(Schema):
    purpose = fields.String(load_default="report", validate=validate.OneOf(
        ["report", "resolution", "verification", "comment"]))
    kind = fields.String(validate=validate.OneOf(["before", "after"]), metadata={
        "description": "自行处置: the reporter's photo `before` or `after` the fix on the "
                       "spot (required for their photos while the report waits for them; "
                       "sets the purpose)"})


class QueueCountsSchema(Schema):
    """Cases in each work queue of the caller's scope."""

    manual_dispatch = fields.Integer()
    returned = fields.Integer()
    overdue = fields.Integer()
    due_soon = fields.Integer()
    extension_requested = fields.Integer()
    disputed = fields.Integer()
