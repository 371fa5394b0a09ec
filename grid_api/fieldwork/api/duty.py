"""On duty (在岗): check-ins inside one's own cells, and time on duty per day."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask.views import MethodView

from geo.crs import to_wgs84
from grid_api.errors import NotFound
from grid_api.fieldwork import duty, policy
from grid_api.fieldwork.schemas import (
    CheckInResultSchema,
    CheckInSchema,
    DutyArgsSchema,
    DutyDaysSchema,
)
from grid_api.web import auth, db, permissions
from grid_api.web.blueprint import Blueprint
from models.user import Role, User

blp = Blueprint("duty", __name__, url_prefix="/api/v1",
                description="On duty (在岗): check-ins geofenced to one's own cells")
WORKER = permissions.Permission("grid_worker", frozenset({Role.grid_worker}))


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["GRID_SETTINGS"].timezone)


@blp.route("/checkins")
class CheckIns(MethodView):
    @permissions.require(WORKER)
    @blp.arguments(CheckInSchema)
    @blp.response(201, CheckInResultSchema)
    @blp.alt_response(200, schema=CheckInResultSchema,
                      description="A resent check-in (same `client_ref`): the first one")
    @blp.alt_response(422, description="Outside your own cells (`outside_own_cells`, with "
                                       "`distance_m` to the nearest and `nearest_cell`)")
    @db.transactional
    def post(self, body):
        """Sign on (`on`) or off (`off`) duty where you stand, inside one of your cells."""
        lon, lat = to_wgs84(*body["location"]["coordinates"], body["crs"])
        record, cell, created = duty.check_in(
            db.session(), auth.current_principal(), kind=body["kind"], lon=lon, lat=lat,
            accuracy_m=body.get("accuracy_m"), at=body.get("at"),
            client_ref=body.get("client_ref"))
        return {"id": record.id, "kind": record.kind, "at": record.at, "cell": cell,
                "client_ref": record.client_ref}, 201 if created else 200


@blp.route("/duty")
class Duty(MethodView):
    @permissions.require(permissions.STAFF)
    @blp.arguments(DutyArgsSchema, location="query")
    @blp.response(200, DutyDaysSchema)
    @blp.alt_response(404, description="No such worker, or not one you supervise")
    def get(self, args):
        """Time on duty per day (signed on until signed off, and every patrol), check-ins
        and patrol time, for yourself or a worker you supervise."""
        session, principal = db.session(), auth.current_principal()
        worker_id = args.get("worker", principal.user_id)
        worker = session.get(User, worker_id)
        if worker is None or not policy.can_view_track(session, principal, worker_id):
            raise NotFound
        today = datetime.now(UTC).astimezone(_zone()).date()
        first, last = args.get("from", today), args.get("to", args.get("from", today))
        return {"worker": {"id": worker.id, "display_name": worker.display_name},
                "days": duty.duty_days(session, worker.id, first, last, _zone())}
