"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from marshmallow import Schema, fields

from grid_api.errors import ServiceUnavailable
from grid_api.ops.health import readiness
from grid_api.web import db, permissions
from grid_api.web.blueprint import Blueprint

blp = Blueprint("health", __name__, description="Operational probes")


class ProbeSchema(Schema):
    status = fields.String(required=True, metadata={"example": "ok"})
    checks = fields.Dict(keys=fields.String(), values=fields.String())


@blp.route("/healthz")
class Liveness(MethodView):
    @permissions.require(permissions.PUBLIC)
    @blp.response(200, ProbeSchema)
    def get(self):
        """The process is alive (touches nothing else)."""
        return {"status": "ok"}


@blp.route("/readyz")
class Readiness(MethodView):
    @permissions.require(permissions.PUBLIC)
    @blp.response(200, ProbeSchema)
    @blp.alt_response(503, description="A dependency failed; `checks` names it")
    def get(self):
        """Database reachable, migrations at head, Redis reachable."""
        checks = readiness(db.session(), db.redis(),
                           current_app.extensions["grid_migration_head"])
        failed = sorted(name for name, outcome in checks.items() if outcome != "ok")
        if failed:
            raise ServiceUnavailable("not_ready", params={"failed": ", ".join(failed)},
                                     extra={"checks": checks})
        return {"status": "ok", "checks": checks}
