"""The apps register where pushes should go."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from grid_api.notifications import devices
from grid_api.push.vendors import channels
from grid_api.web import auth, db, permissions
from grid_api.web.blueprint import Blueprint

blp = Blueprint("devices", __name__, url_prefix="/api/v1/devices",
                description="Push targets: a push channel's token for this app on a phone")


class DeviceSchema(Schema):
    id = fields.Integer(dump_only=True)
    token = fields.String(required=True, validate=validate.Length(min=10, max=4096),
                          metadata={"description": "The channel's token for this app on "
                                                   "this phone"})
    provider = fields.String(
        load_default="fcm", validate=validate.OneOf(sorted(channels())),
        metadata={"description": "The push channel the token is for: fcm (FCM registration "
                                 "token or installation id), huawei (HMS Push Kit token), "
                                 "harmony (HarmonyOS NEXT Push Kit token), xiaomi (MiPush "
                                 "regId), oppo, vivo (their regIds), jpush (JPush "
                                 "registration id)"})
    phone_id = fields.String(
        validate=validate.Length(min=8, max=64), load_default=None, allow_none=True,
        metadata={"description": "The app's stable id for this phone: send it with every "
                                 "token the phone holds (an FCM token and a phone maker's), "
                                 "so the phone gets each notification once, through the "
                                 "best channel that works"})
    kind = fields.String(load_default="token", validate=validate.OneOf(["token", "fid"]),
                         metadata={"description": "FCM only: token, or fid (installation id)"})
    platform = fields.String(required=True, validate=validate.OneOf(
        ["android", "ios", "harmonyos", "web"]))
    locale = fields.String(load_default="zh-CN", validate=validate.OneOf(["zh-CN", "en"]))
    app_version = fields.String(allow_none=True, validate=validate.Length(max=30))
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
            app_version=body.get("app_version"), provider=body["provider"],
            phone_id=body["phone_id"])
        return device, 201 if created else 200


@blp.route("/<path:token>")
class DeviceDetail(MethodView):
    @permissions.require(permissions.AUTHENTICATED)
    @blp.response(204)
    @db.transactional
    def delete(self, token):
        """Stop pushes to this device (sign-out, or the user turned them off)."""
        devices.remove_device(db.session(), auth.current_principal().user_id, token)
