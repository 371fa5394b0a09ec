"""Patrol coverage statistics and the `coverage` vector-tile layer."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask.views import MethodView

from grid_api.fieldwork import coverage
from grid_api.fieldwork.schemas import (
    CellCoveragePageSchema,
    CoverageCellArgsSchema,
    UnvisitedArgsSchema,
    UnvisitedPageSchema,
    WorkerCoverageArgsSchema,
    WorkerCoverageListSchema,
)
from grid_api.web import auth, db, permissions
from grid_api.web.blueprint import Blueprint
from grid_api.web.tiles import MVT_MIME, mvt_response

blp = Blueprint("patrol_stats", __name__, url_prefix="/api/v1",
                description="Patrol coverage: cells walked per day, workers' kilometres and "
                            "share of own cells, cells nobody visited lately")


def _today() -> date:
    zone = ZoneInfo(current_app.config["GRID_SETTINGS"].timezone)
    return datetime.now(UTC).astimezone(zone).date()


@blp.route("/stats/patrols/cells")
class CellCoverage(MethodView):
    @permissions.require(permissions.SUPERVISION)
    @blp.arguments(CoverageCellArgsSchema, location="query")
    @blp.response(200, CellCoveragePageSchema)
    def get(self, args):
        """Every current cell of an area on one day: walked or not, how long, by whom."""
        session = db.session()
        path = coverage.scope_path(session, auth.current_principal(), args["area"])
        items = coverage.cells_on(session, path, args.get("day") or _today(),
                                  limit=args["limit"], after=args.get("cursor") or "")
        return {"items": items, "next_cursor": items[-1]["code"]
                if len(items) == args["limit"] else None}


@blp.route("/stats/patrols/workers")
class WorkerCoverage(MethodView):
    @permissions.require(permissions.SUPERVISION)
    @blp.arguments(WorkerCoverageArgsSchema, location="query")
    @blp.response(200, WorkerCoverageListSchema)
    def get(self, args):
        """Each grid worker of an area over a range of days: km walked, hours walking,
        patrols, share of own cells walked, reports and reports per km."""
        session = db.session()
        path = coverage.scope_path(session, auth.current_principal(), args["area"])
        first = args.get("from") or _today()
        last = args.get("to") or first
        zone = ZoneInfo(current_app.config["GRID_SETTINGS"].timezone)
        return {"from": first, "to": last,
                "items": coverage.workers(session, path, first, last, zone)}


@blp.route("/stats/patrols/unvisited")
class Unvisited(MethodView):
    @permissions.require(permissions.SUPERVISION)
    @blp.arguments(UnvisitedArgsSchema, location="query")
    @blp.response(200, UnvisitedPageSchema)
    def get(self, args):
        """Current cells of an area nobody walked in the last `days` days (today
        included), with the day each was last walked."""
        session = db.session()
        path = coverage.scope_path(session, auth.current_principal(), args["area"])
        items = coverage.unvisited(session, path, today=_today(), days=args["days"],
                                   limit=args["limit"], after=args.get("cursor") or "")
        return {"items": items, "next_cursor": items[-1]["code"]
                if len(items) == args["limit"] else None}


@blp.route("/tiles/coverage/<int:z>/<int:x>/<int:y>.mvt")
class CoverageTile(MethodView):
    @permissions.require(permissions.SUPERVISION)
    @blp.response(200, description="A Mapbox vector tile, layer `coverage`",
                  content_type=MVT_MIME)
    @blp.alt_response(204, description="No cell of your area in this tile")
    @blp.alt_response(304, description="Unchanged since the ETag sent in If-None-Match")
    @blp.alt_response(400, description="Impossible z/x/y")
    def get(self, z, x, y):
        """Grid cells of your area with `last_visit` (a day) and `days_since_visit`, for
        colouring by the last patrol; cells never walked carry neither."""
        data = coverage.coverage_tile(db.session(), auth.current_principal(), z, x, y,
                                      today=_today())
        return mvt_response(data, cache_control="private, max-age=300")
