"""Field work schemas: patrols, their fixes and their measures."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from grid_api.fieldwork.patrols import MAX_FIXES_PER_BATCH
from grid_api.web.fields import CRS, LAT, LON, DateTimeInput


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
