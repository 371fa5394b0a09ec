"""Push statistics for operators: which phones the city reaches, by channel and app version."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from grid_api.push import stats
from grid_api.web import db, permissions
from grid_api.web.blueprint import Blueprint

blp = Blueprint("push", __name__, url_prefix="/api/v1/push",
                description="How the push channels reach the phones (admin)")


class PeriodSchema(Schema):
    days = fields.Integer(load_default=7, validate=validate.Range(min=1, max=366),
                          metadata={"description": "Pushes of the last this many days"})


class ChannelStatsSchema(Schema):
    provider = fields.String(metadata={"description": "The push channel"})
    app_version = fields.String(allow_none=True)
    devices = fields.Integer(metadata={"description": "Tokens registered"})
    live_devices = fields.Integer(metadata={"description": "Tokens not found dead"})
    delivered = fields.Integer(metadata={"description": "Pushes the channel accepted"})
    dead_tokens = fields.Integer(metadata={"description": "Pushes to a token found dead"})
    refused = fields.Integer(metadata={"description": "Pushes the channel refused"})
    unsettled = fields.Integer(metadata={"description": "Pushes whose outcome is unknown (a "
                                                         "worker stopped while sending)"})
    delivery_rate = fields.Float(allow_none=True, metadata={
        "description": "delivered / (delivered + dead_tokens + refused); null without pushes"})


class StatsSchema(Schema):
    since = fields.DateTime()
    items = fields.List(fields.Nested(ChannelStatsSchema))


@blp.route("/stats")
class PushStats(MethodView):
    @permissions.require(permissions.ADMIN)
    @blp.arguments(PeriodSchema, location="query")
    @blp.response(200, StatsSchema)
    def get(self, args):
        """Delivery rate per push channel and app version: the phones the city fails to
        reach."""
        since = datetime.now(UTC) - timedelta(days=args["days"])
        return {"since": since, "items": stats.delivery_rates(db.session(), since)}
