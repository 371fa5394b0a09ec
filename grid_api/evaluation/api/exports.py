"""Exports: ask for a file, watch its progress, download it (the asker alone, until it
expires)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Response, current_app, stream_with_context
from flask.views import MethodView
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from grid_api.evaluation import exports
from grid_api.evaluation.indicators import GROUPINGS, MAX_PERIOD_DAYS
from grid_api.infra.storage import LocalStorage
from grid_api.web import auth, db, permissions
from grid_api.web.blueprint import Blueprint
from models.case import CaseSource

blp = Blueprint("exports", __name__, url_prefix="/api/v1/exports",
                description="Exports of case lists and indicator tables, written in the "
                            "background")
CHUNK = 1 << 16


class ExportParamsSchema(Schema):
    from_ = fields.Date(required=True, data_key="from")
    to = fields.Date(required=True)
    area = fields.Integer()
    unit = fields.Integer()
    category = fields.String(validate=validate.Length(min=1, max=12))
    source = fields.List(fields.Enum(CaseSource))
    group_by = fields.String(validate=validate.OneOf(GROUPINGS))

    @validates_schema
    def _period(self, data, **_kwargs):
        first, last = data.get("from_"), data.get("to")
        if first and last and not 0 <= (last - first).days < MAX_PERIOD_DAYS:
            raise ValidationError(f"After `from`, at most {MAX_PERIOD_DAYS} days.", "to")


class ExportRequestSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(exports.KINDS))
    format = fields.String(required=True, validate=validate.OneOf(list(exports.FORMATS)))
    params = fields.Nested(ExportParamsSchema, required=True)


class ExportSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    format = fields.String()
    params = fields.Dict()
    status = fields.String()
    rows_done = fields.Integer()
    rows_total = fields.Integer(allow_none=True)
    size_bytes = fields.Integer(allow_none=True)
    error = fields.String(allow_none=True)
    created_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
    expires_at = fields.DateTime(allow_none=True)


def _params(loaded: dict) -> dict:
    params = {k: v for k, v in loaded.items() if k not in {"from_", "to", "source"}}
    params |= {"from": loaded["from_"].isoformat(), "to": loaded["to"].isoformat()}
    if loaded.get("source"):
        params["source"] = [s.value for s in loaded["source"]]
    return params


@blp.route("")
class Exports(MethodView):
    @permissions.require(permissions.STAFF)
    @blp.arguments(ExportRequestSchema)
    @blp.response(202, ExportSchema)
    @blp.alt_response(422, description="An unknown kind or format, a bad period")
    @db.transactional
    def post(self, body):
        """Ask for a case list (CSV with a BOM, XLSX, GeoJSON) or an indicator table (CSV,
        XLSX) of your scope; it is written in the background."""
        return exports.request_export(db.session(), auth.current_principal(),
                                      kind=body["kind"], fmt=body["format"],
                                      params=_params(body["params"]))


@blp.route("/<int:export_id>")
class ExportDetail(MethodView):
    @permissions.require(permissions.AUTHENTICATED)
    @blp.response(200, ExportSchema)
    @blp.alt_response(404, description="No such export of yours")
    def get(self, export_id):
        """How far the export is: status, rows written, when it expires."""
        return exports.get_export(db.session(), auth.current_principal(), export_id)


@blp.route("/<int:export_id>/file")
class ExportFile(MethodView):
    @permissions.require(permissions.AUTHENTICATED)
    @blp.response(200, description="The file, streamed")
    @blp.alt_response(404, description="No such export of yours")
    @blp.alt_response(409, description="Not written yet")
    @blp.alt_response(410, description="Expired")
    def get(self, export_id):
        """Download your export."""
        export = exports.downloadable(db.session(), auth.current_principal(), export_id,
                                      now=datetime.now(UTC))
        storage = LocalStorage(current_app.config["GRID_SETTINGS"].storage_dir)
        handle = storage.open(export.storage_key)

        def chunks():
            with handle:
                while chunk := handle.read(CHUNK):
                    yield chunk

        return Response(stream_with_context(chunks()), mimetype=exports.FORMATS[export.format],
                        headers={"Content-Disposition":
                                 f'attachment; filename="{exports.file_name(export)}"',
                                 "Content-Length": str(export.size_bytes)})
