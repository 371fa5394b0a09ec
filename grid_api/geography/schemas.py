"""Geography schemas: GeoJSON in and out, locate, import and generation parameters."""

from __future__ import annotations

from marshmallow import INCLUDE, Schema, fields, validate

from geo.grid import CellShape
from geo.levels import AreaLevel
from geo.queries import MAX_ZOOM
from grid_api.geography.grid_generation import MAX_SIZE_M, MIN_SIZE_M
from grid_api.web.fields import CRS, LAT, LON, AreaRefSchema, BBox
from grid_api.web.pagination import PageArgsSchema


class AreaListArgsSchema(PageArgsSchema):
    level = fields.String(validate=validate.OneOf([level.value for level in AreaLevel]))
    parent = fields.Integer(metadata={"description": "Only the children of this area"})
    bbox = BBox(metadata={"example": "120.10,30.20,120.20,30.30"})
    zoom = fields.Integer(validate=validate.Range(min=0, max=MAX_ZOOM), metadata={
        "description": "Simplify boundaries to one pixel at this web-map zoom"})
    include_retired = fields.Boolean(load_default=False)


class AreaDetailArgsSchema(Schema):
    zoom = fields.Integer(validate=validate.Range(min=0, max=MAX_ZOOM))


class FeatureSchema(Schema):
    type = fields.String(metadata={"example": "Feature"})
    id = fields.Integer()
    geometry = fields.Dict(allow_none=True)
    properties = fields.Dict()


class FeatureCollectionSchema(Schema):
    type = fields.String(metadata={"example": "FeatureCollection"})
    features = fields.List(fields.Nested(FeatureSchema))
    next_cursor = fields.String(allow_none=True)


class GeoJSONInputSchema(Schema):
    """A GeoJSON FeatureCollection; features are checked one by one by the importer."""

    class Meta:
        unknown = INCLUDE

    type = fields.String(required=True, validate=validate.Equal("FeatureCollection"))
    features = fields.List(fields.Raw(), required=True)


class ImportArgsSchema(Schema):
    area = fields.Integer(load_default=None, metadata={
        "description": "Id of the area whose subtree receives the features; without it the "
                       "file is imported from the root down (provinces and cities with no "
                       "parent anywhere become roots)"})
    dry_run = fields.Boolean(load_default=False)
    code_property = fields.String(load_default="code", validate=validate.Length(max=50))
    name_property = fields.String(load_default="name", validate=validate.Length(max=50))


class ImportReportSchema(Schema):
    area_id = fields.Integer(allow_none=True)
    dry_run = fields.Boolean()
    created = fields.Integer()
    updated = fields.Integer()
    unchanged = fields.Integer(metadata={"description": "Same name and outline: no new version"})
    repaired = fields.Integer()
    rejected = fields.Integer()
    features = fields.List(fields.Dict(), metadata={
        "description": "Per feature: index, code, name, status (created, updated, unchanged, "
                       "rejected), repaired, reason, and missing_parent: the code of the "
                       "parent it was refused for (reasons parent_missing, parent_rejected, "
                       "parent_not_in_import_area)"})
    overlaps = fields.List(fields.Dict(), metadata={
        "description": "Siblings whose interiors overlap: codes and area in m²"})
    gaps = fields.List(fields.Dict(), metadata={
        "description": "Per parent: uncovered parts (count, area in m², the largest)"})


class GenerateSchema(Schema):
    shape = fields.String(load_default=CellShape.square.value,
                          validate=validate.OneOf([s.value for s in CellShape]))
    size_m = fields.Float(required=True, validate=validate.Range(min=MIN_SIZE_M, max=MAX_SIZE_M))
    code_digits = fields.Integer(load_default=3, validate=validate.OneOf([2, 3]))
    name_prefix = fields.String(validate=validate.Length(min=1, max=80))


class EstimateArgsSchema(Schema):
    shape = fields.String(load_default=CellShape.square.value,
                          validate=validate.OneOf([s.value for s in CellShape]))
    size_m = fields.Float(required=True, validate=validate.Range(min=MIN_SIZE_M, max=MAX_SIZE_M))


class GenerationEstimateSchema(Schema):
    estimated_cells = fields.Integer(required=True)
    limit = fields.Integer(required=True, metadata={"description": "GRID_GENERATION_MAX_CELLS"})
    allowed = fields.Boolean(required=True)


class GenerationJobSchema(Schema):
    id = fields.Integer()
    area_id = fields.Integer()
    shape = fields.String()
    size_m = fields.Float()
    status = fields.String(metadata={"description": "queued, running, done or failed"})
    progress = fields.Integer(metadata={"description": "Percent done"})
    estimated_cells = fields.Integer()
    created_cells = fields.Integer(allow_none=True)
    first_code = fields.String(allow_none=True)
    last_code = fields.String(allow_none=True)
    error = fields.String(allow_none=True, metadata={
        "description": "Why it failed: a problem code such as area_has_children"})
    created_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
    url = fields.String()


class GenerationReportSchema(Schema):
    parent_id = fields.Integer()
    level = fields.String()
    shape = fields.String()
    size_m = fields.Float()
    created = fields.Integer()
    first_code = fields.String(allow_none=True)
    last_code = fields.String(allow_none=True)


class LocateArgsSchema(Schema):
    lon = fields.Float(required=True, validate=LON)
    lat = fields.Float(required=True, validate=LAT)
    crs = CRS


class LocateResultSchema(Schema):
    cell = fields.Nested(AreaRefSchema)
    ancestors = fields.List(fields.Nested(AreaRefSchema), metadata={
        "description": "From the city down to the cell's parent"})
    point = fields.List(fields.Float(), metadata={"description": "The point in WGS-84"})


class WorkersSchema(Schema):
    user_ids = fields.List(fields.Integer(), required=True)


class WorkerSchema(Schema):
    id = fields.Integer()
    display_name = fields.String()
    phone = fields.String()


class WorkerListSchema(Schema):
    cell_id = fields.Integer()
    workers = fields.List(fields.Nested(WorkerSchema))
