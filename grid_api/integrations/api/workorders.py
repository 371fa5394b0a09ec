"""12345 hotline work-order intake: ``POST /api/v1/workorders`` with the hotline client's
key in ``X-API-Key``; a resent order answers 200 with the case it already is."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from grid_api.integrations import workorders
from grid_api.integrations.api.keys import KEY_HEADER, current_client, requires_key
from grid_api.web import db, permissions
from grid_api.web.blueprint import Blueprint
from grid_api.web.fields import CRS, DateTimeInput, PointSchema
from models.integration import ClientOperation

blp = Blueprint("workorders", __name__, url_prefix="/api/v1/workorders",
                description="12345 hotline work orders (工单), filed once per order number")


class CallerSchema(Schema):
    name = fields.String(validate=validate.Length(max=50))
    phone = fields.String(validate=validate.Length(max=30))


class WorkOrderSchema(Schema):
    order_number = fields.String(required=True, validate=validate.Length(min=1, max=64),
                                 metadata={"description": "The hotline's 工单号"})
    description = fields.String(required=True, validate=validate.Length(min=1, max=4000),
                                metadata={"description": "What the caller said"})
    location = fields.Nested(PointSchema, required=True)
    crs = CRS
    address = fields.String(validate=validate.Length(max=200))
    category = fields.String(validate=validate.Length(min=1, max=12), metadata={
        "description": "A minor class code, if the hotline knows it"})
    caller = fields.Nested(CallerSchema)
    deadline = DateTimeInput(metadata={"description": "The hotline's own time limit"})
    received_at = DateTimeInput()
    answers = fields.Dict(keys=fields.String(validate=validate.Length(max=40)), metadata={
        "description": "Answers to the category's questions (GET /api/v1/categories/{code}"
                       "/questions): a string, or a list of keys for multivaluelist"})


class WorkOrderCaseSchema(Schema):
    order_number = fields.String()
    case_id = fields.Integer()
    code = fields.String(metadata={"description": "The case number (案件编号)"})
    status = fields.String()
    created = fields.Boolean(metadata={"description": "false: the order was sent before"})


@blp.route("")
class WorkOrders(MethodView):
    @permissions.require(permissions.PUBLIC)  # a client's key, checked before the body
    @requires_key(ClientOperation.workorders_submit)
    @blp.arguments(WorkOrderSchema)
    @blp.response(201, WorkOrderCaseSchema)
    @blp.alt_response(200, schema=WorkOrderCaseSchema,
                      description="The order was sent before: its case")
    @blp.alt_response(403, description="No, a wrong or a revoked key, or one without "
                                       "`workorders.submit`")
    @blp.doc(parameters=[{"in": "header", "name": KEY_HEADER, "required": True,
                          "schema": {"type": "string"}}])
    @db.transactional
    def post(self, body):
        """File a work order as a case of the hotline (idempotent by order number)."""
        client = current_client()
        lon, lat = body.pop("location")["coordinates"]
        intake = workorders.take_order(
            db.session(), client, current_app.extensions["grid_case_settings"],
            workorders.WorkOrder(lon=lon, lat=lat, **body),
            default_category=current_app.config["GRID_SETTINGS"].workorder_default_category)
        return {"order_number": intake.link.external_number, "case_id": intake.case.id,
                "code": intake.case.code, "status": intake.case.status.value,
                "created": intake.created}, 201 if intake.created else 200
