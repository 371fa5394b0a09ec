"""The apps register where pushes should go."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from grid_api.notifications import devices
from grid_api.web import auth, db, permissions
from grid_api.web.blueprint import Blueprint

blp = Blueprint("devices", __name__, url_prefix="/api/v1/devices",
                description="Push targets (FCM registration tokens)")


class DeviceSchema(Schema):
    id = fields.Integer(dump_only=True)
    token = fields.String(required=True, validate=validate.Length(min=10, max=4096),
                          metadata={"description": "FCM registration token, or Firebase "
                                                   "installation id with kind=fid"})
    kind = fields.String(load_default="token", validate=validate.OneOf(["token", "fid"]))
    platform = fields.String(required=True, validate=validate.OneOf(["android", "ios", "web"]))
    locale = fields.String(load_default="zh-CN", validate=validate.OneOf(["zh-CN", "en"]))
    app_version = fields.String(validate=validate.Length(max=30))
    active = fields.Boolean(dump_only=True)


@blp.route("")
class Devices(MethodView):
    @permissions.require(permissions.AUTHENTICATED)
    @blp.arguments(DeviceSchema)
    @blp.response(201, DeviceSchema)
    @blp.alt_response(200, description="The token was known; updated (and now yours)")
    @db.transactional
    def post(self, body):
        """Register this device for pushes (idempotent by token)."""
        device, created = devices.register_device(
            db.session(), auth.current_principal().user_id, token=body["token"],
            kind=body["kind"], platform=body["platform"], locale=body["locale"],
            app_version=body.get("app_version"))
        return device, 201 if created else 200


@blp.route("/<path:token>")
class DeviceDetail(MethodView):
    @permissions.require(permissions.AUTHENTICATED)
    @blp.response(204)
    @db.transactional
    def delete(self, token):
        """Stop pushes to this device (sign-out, or the user turned them off)."""
        devices.remove_device(db.session(), auth.current_principal().user_id, token)
