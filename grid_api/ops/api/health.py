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
NEEDED = ("database", "migrations")  # without these nothing can be served
RETRY_AFTER = "5"


class ProbeSchema(Schema):
    status = fields.String(required=True, metadata={
        "example": "ok", "description": "`ok`, or `degraded` when Redis is unreachable (the "
                                        "API still serves: the outbox holds its jobs)"})
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
    @blp.alt_response(503, description="The database is unreachable or its schema is not at "
                                       "head; `checks` names what failed, `Retry-After` when "
                                       "to ask again")
    def get(self):
        """Can this process serve? Database reachable and migrations at head (else 503);
        Redis unreachable only degrades it (reports are still accepted, jobs wait)."""
        checks = readiness(db.session(), db.redis(),
                           current_app.extensions["grid_migration_head"])
        failed = sorted(name for name in NEEDED if checks[name] != "ok")
        if failed:
            raise ServiceUnavailable("not_ready", params={"failed": ", ".join(failed)},
                                     headers={"Retry-After": RETRY_AFTER},
                                     extra={"checks": checks})
        degraded = any(outcome != "ok" for outcome in checks.values())
        return {"status": "degraded" if degraded else "ok", "checks": checks}
