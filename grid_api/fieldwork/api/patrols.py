"""Patrols (巡查): start, send fixes, finish, read the measured track."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView

from grid_api.fieldwork import patrols
from grid_api.fieldwork.patrols import PatrolSettings
from grid_api.fieldwork.schemas import (
    FixBatchResultSchema,
    FixBatchSchema,
    PatrolFinishSchema,
    PatrolSchema,
    PatrolStartSchema,
)
from grid_api.web import auth, db, permissions
from grid_api.web.blueprint import Blueprint
from models.user import Role

blp = Blueprint("patrols", __name__, url_prefix="/api/v1/patrols",
                description="Patrols (巡查): a grid worker's walk, measured from GPS fixes")
WORKER = permissions.Permission("grid_worker", frozenset({Role.grid_worker}))


def patrol_settings() -> PatrolSettings:
    return patrols.patrol_settings_from(current_app.config["GRID_SETTINGS"])


def _answer(patrol, status: int = 200):
    session, principal = db.session(), auth.current_principal()
    return patrols.describe_patrol(session, principal, patrol, patrol_settings()), status


@blp.route("")
class Patrols(MethodView):
    @permissions.require(WORKER)
    @blp.arguments(PatrolStartSchema)
    @blp.response(201, PatrolSchema)
    @blp.alt_response(200, schema=PatrolSchema,
                      description="A resent start (same `client_ref`): the patrol it opened")
    @db.transactional
    def post(self, body):
        """Start a patrol (a patrol still open is finished at its last fix)."""
        patrol, created = patrols.start_patrol(
            db.session(), auth.current_principal(), started_at=body.get("started_at"),
            client_ref=body.get("client_ref"))
        return _answer(patrol, 201 if created else 200)


@blp.route("/<int:patrol_id>")
class PatrolDetail(MethodView):
    @permissions.require(permissions.STAFF)
    @blp.response(200, PatrolSchema)
    @blp.alt_response(404, description="No such patrol, or not one you may see")
    def get(self, patrol_id):
        """A patrol with its track as GeoJSON, length, duration and time in each cell.
        Seen by the worker, supervisors over the worker's cells and admins."""
        return _answer(patrols.get_patrol(db.session(), auth.current_principal(), patrol_id))


@blp.route("/<int:patrol_id>/points")
class PatrolPoints(MethodView):
    @permissions.require(WORKER)
    @blp.arguments(FixBatchSchema)
    @blp.response(200, FixBatchResultSchema)
    @blp.alt_response(403, description="Someone else's patrol")
    @blp.alt_response(422, description="A fix with impossible coordinates or from the "
                                       "future, or too many fixes: nothing is stored")
    @db.transactional
    def post(self, body, patrol_id):
        """Send a batch of GPS fixes, in any order; a fix for an instant already stored
        is ignored, so a resent batch stores nothing twice."""
        return patrols.add_fixes(db.session(), auth.current_principal(),
                                 patrol_id, body["fixes"], patrol_settings())


@blp.route("/<int:patrol_id>/finish")
class PatrolFinish(MethodView):
    @permissions.require(WORKER)
    @blp.arguments(PatrolFinishSchema)
    @blp.response(200, PatrolSchema)
    @blp.alt_response(403, description="Someone else's patrol")
    @db.transactional
    def post(self, body, patrol_id):
        """Finish the patrol and measure it; finishing it again changes nothing."""
        patrol = patrols.finish_patrol(db.session(), auth.current_principal(), patrol_id,
                                       patrol_settings(), finished_at=body.get("finished_at"))
        return _answer(patrol)
