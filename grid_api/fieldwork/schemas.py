"""Field work schemas: patrols, their fixes and their measures."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from grid_api.fieldwork.patrols import MAX_FIXES_PER_BATCH
from grid_api.web.fields import CRS, LAT, LON, DateTimeInput, PointSchema


class PatrolStartSchema(Schema):
    started_at = DateTimeInput(metadata={
        "description": "When the walk began (default: now); a phone offline at the start "
                       "sends its own time"})
    client_ref = fields.String(validate=validate.Length(min=1, max=64), metadata={
        "description": "The phone's own id of the patrol: a resent start returns the "
                       "patrol it opened"})


class FixSchema(Schema):
    t = DateTimeInput(required=True)
    lon = fields.Float(required=True, allow_nan=False, validate=LON)
    lat = fields.Float(required=True, allow_nan=False, validate=LAT)
    crs = CRS
    accuracy_m = fields.Float(required=True, allow_nan=False,
                              validate=validate.Range(min=0, max=100_000))
    speed_mps = fields.Float(allow_nan=False, allow_none=True,
                             validate=validate.Range(min=0, max=1000))


class FixBatchSchema(Schema):
    fixes = fields.List(fields.Nested(FixSchema), required=True,
                        validate=validate.Length(min=1, max=MAX_FIXES_PER_BATCH))


class FixBatchResultSchema(Schema):
    received = fields.Integer()
    stored = fields.Integer()
    duplicates = fields.Integer(metadata={"description": "Instants already stored (resent)"})
    outside_patrol = fields.Integer(metadata={
        "description": "Kept, but before the start or after the finish: measure nothing"})


class PatrolFinishSchema(Schema):
    finished_at = DateTimeInput(metadata={"description": "Default: now"})


class WorkerRefSchema(Schema):
    id = fields.Integer()
    display_name = fields.String()


class VisitedCellSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    seconds = fields.Integer(metadata={"description": "Walking time in the cell"})
    first_at = fields.DateTime()
    last_at = fields.DateTime()
    own = fields.Boolean(metadata={"description": "One of the worker's own cells"})


class PatrolSchema(Schema):
    id = fields.Integer()
    client_ref = fields.String(allow_none=True)
    worker = fields.Nested(WorkerRefSchema)
    status = fields.String(metadata={"description": "open or finished"})
    started_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
    finished_by = fields.String(allow_none=True, metadata={
        "description": "worker, or system (left open too long, or a new patrol started)"})
    duration_seconds = fields.Integer()
    fix_count = fields.Integer()
    walked_m = fields.Float(allow_none=True)
    walking_seconds = fields.Integer(allow_none=True)
    vehicle_m = fields.Float(allow_none=True, metadata={
        "description": "Distance covered faster than a person moves (not patrolled)"})
    vehicle_seconds = fields.Integer(allow_none=True)
    gap_seconds = fields.Integer(allow_none=True, metadata={"description": "Signal lost"})
    excluded = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={
        "description": "Fixes left out of the measures, by reason: inaccurate, outlier, "
                       "out_of_window"})
    cells = fields.List(fields.Nested(VisitedCellSchema))
    track = fields.Dict(allow_none=True, metadata={
        "description": "GeoJSON FeatureCollection: walk / vehicle / gap LineStrings and "
                       "the excluded fixes; null once purged"})
    track_purged_at = fields.DateTime(allow_none=True)


class CheckInSchema(Schema):
    kind = fields.String(load_default="on", validate=validate.OneOf(["on", "off"]),
                         metadata={"description": "on: 上岗 (sign on); off: 下岗 (sign off)"})
    location = fields.Nested(PointSchema, required=True)
    crs = CRS
    accuracy_m = fields.Float(allow_nan=False, validate=validate.Range(min=0, max=100_000))
    at = DateTimeInput(metadata={
        "description": "When it happened (default: now); a check-in queued offline sends "
                       "its own time"})
    client_ref = fields.String(validate=validate.Length(min=1, max=64))


class CellRefSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()


class CheckInResultSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    at = fields.DateTime()
    cell = fields.Nested(CellRefSchema)
    client_ref = fields.String(allow_none=True)


class DutyArgsSchema(Schema):
    worker = fields.Integer(metadata={"description": "Default: yourself"})
    from_ = fields.Date(data_key="from", attribute="from",
                        metadata={"description": "First local day (default: today)"})
    to = fields.Date(metadata={"description": "Last local day (default: from)"})


class DutyDaySchema(Schema):
    day = fields.Date()
    on_duty_seconds = fields.Integer()
    patrol_seconds = fields.Integer()
    check_ins = fields.Integer()


class DutyDaysSchema(Schema):
    worker = fields.Nested(WorkerRefSchema)
    days = fields.List(fields.Nested(DutyDaySchema))


class CoverageCellArgsSchema(Schema):
    area = fields.Integer(required=True, metadata={"description": "Any area; its cells"})
    day = fields.Date(metadata={"description": "A local day (default: today)"})
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=1000))
    cursor = fields.String(validate=validate.Length(max=15),
                           metadata={"description": "next_cursor of the previous page"})


class CellWorkerSchema(Schema):
    id = fields.Integer()
    display_name = fields.String()
    seconds = fields.Integer()


class CellCoverageSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    visited = fields.Boolean()
    seconds = fields.Integer(metadata={"description": "Walking time, all workers together"})
    workers = fields.List(fields.Nested(CellWorkerSchema))


class CellCoveragePageSchema(Schema):
    items = fields.List(fields.Nested(CellCoverageSchema))
    next_cursor = fields.String(allow_none=True)


class WorkerCoverageArgsSchema(Schema):
    area = fields.Integer(required=True)
    from_ = fields.Date(data_key="from", attribute="from",
                        metadata={"description": "First local day (default: today)"})
    to = fields.Date(metadata={"description": "Last local day (default: from)"})


class WorkerCoverageSchema(Schema):
    worker = fields.Nested(WorkerRefSchema)
    patrols = fields.Integer()
    km = fields.Float(metadata={"description": "Walked (riding excluded)"})
    hours = fields.Float(metadata={"description": "Walking time"})
    own_cells = fields.Integer()
    own_cells_visited = fields.Integer()
    own_cells_visited_share = fields.Float(allow_none=True)
    reports = fields.Integer(metadata={"description": "Cases the worker reported"})
    reports_per_km = fields.Float(allow_none=True)


class WorkerCoverageListSchema(Schema):
    from_ = fields.Date(data_key="from", attribute="from")
    to = fields.Date()
    items = fields.List(fields.Nested(WorkerCoverageSchema))


class UnvisitedArgsSchema(Schema):
    area = fields.Integer(required=True)
    days = fields.Integer(load_default=7, validate=validate.Range(min=1, max=366))
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=1000))
    cursor = fields.String(validate=validate.Length(max=15))


class UnvisitedCellSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    last_visit = fields.Date(allow_none=True)
    days_since_visit = fields.Integer(allow_none=True)


class UnvisitedPageSchema(Schema):
    items = fields.List(fields.Nested(UnvisitedCellSchema))
    next_cursor = fields.String(allow_none=True)


MAX_OPERATIONS = 100
OPERATION_TYPES = ("report", "action", "patrol_start", "patrol_points", "patrol_finish",
                   "check_in")


class OperationSchema(Schema):
    op_id = fields.String(required=True, validate=validate.Length(min=1, max=64), metadata={
        "description": "The phone's own id of the operation; resending it is safe"})
    type = fields.String(required=True, validate=validate.OneOf(OPERATION_TYPES))
    body = fields.Dict(keys=fields.String(), load_default=dict, metadata={
        "description": "report: as POST /cases. action: `action` (register, verify, "
                       "comments …), `case_id` or `case_op` (the op_id of a report earlier "
                       "offline), `if_match` (the ETag last seen) and the action's fields. "
                       "patrol_start / patrol_points / patrol_finish: as their endpoints, "
                       "the patrol named by `patrol_id` or `patrol_ref` (its client_ref). "
                       "check_in: as POST /checkins"})


class SyncBatchSchema(Schema):
    operations = fields.List(fields.Nested(OperationSchema), required=True,
                             validate=validate.Length(min=1, max=MAX_OPERATIONS))


class OperationResultSchema(Schema):
    op_id = fields.String()
    status = fields.Integer(metadata={"description": "The HTTP status the operation alone "
                                                     "would have had"})
    replayed = fields.Boolean(metadata={"description": "Answered before; not applied again"})
    result = fields.Dict(metadata={"description": "What the operation's endpoint answers"})
    problem = fields.Dict(metadata={"description": "problem+json of a refusal; a conflict "
                                                   "(409/412) carries the case's `current` "
                                                   "state"})


class SyncPhotoResultSchema(Schema):
    op_id = fields.String()
    attached = fields.Boolean(metadata={"description": "false: waiting for its operation"})
    attachment = fields.Dict(allow_none=True, metadata={"description": "id and case_id"})


class SyncResultSchema(Schema):
    results = fields.List(fields.Nested(OperationResultSchema))


class MissedListArgsSchema(Schema):
    status = fields.String(validate=validate.OneOf(["candidate", "confirmed", "dismissed"]))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    cursor = fields.Integer(metadata={"description": "next_cursor of the previous page"})


class MissedDecisionSchema(Schema):
    note = fields.String(validate=validate.Length(min=1, max=2000))


class MissedCaseSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    status = fields.String()
    created_at = fields.DateTime()
    description = fields.String()
    location = fields.Nested(PointSchema)


class MissedReportSchema(Schema):
    id = fields.Integer()
    status = fields.String(metadata={"description": "candidate, confirmed or dismissed"})
    distance_m = fields.Float(metadata={"description": "Closest walking fix to the case"})
    passed_at = fields.DateTime()
    patrol_id = fields.Integer()
    worker = fields.Nested(WorkerRefSchema)
    case = fields.Nested(MissedCaseSchema)
    decided_at = fields.DateTime(allow_none=True)
    note = fields.String(allow_none=True)
    evidence = fields.Dict(metadata={
        "description": "GeoJSON: the case's point and the worker's track around the moment "
                       "of passing (detail only; no track once purged)"})


class MissedPageSchema(Schema):
    items = fields.List(fields.Nested(MissedReportSchema))
    next_cursor = fields.Integer(allow_none=True)


class MissedRateSchema(Schema):
    worker = fields.Nested(WorkerRefSchema)
    registered_cases = fields.Integer()
    confirmed_missed = fields.Integer()
    pending_candidates = fields.Integer()
    missed_rate = fields.Float(allow_none=True, metadata={
        "description": "漏报率: confirmed missed / cases registered in the worker's cells"})


class MissedRateListSchema(Schema):
    from_ = fields.Date(data_key="from", attribute="from")
    to = fields.Date()
    items = fields.List(fields.Nested(MissedRateSchema))
