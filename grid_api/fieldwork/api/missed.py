"""Missed reports (漏报): candidates from patrol tracks, decided by supervisors; 漏报率."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask.views import MethodView

from grid_api.fieldwork import coverage, missed
from grid_api.fieldwork.schemas import (
    MissedDecisionSchema,
    MissedListArgsSchema,
    MissedPageSchema,
    MissedRateListSchema,
    MissedReportSchema,
    WorkerCoverageArgsSchema,
)
from grid_api.web import auth, db, permissions
from grid_api.web.blueprint import Blueprint
from models.missed_report import MissedReport

blp = Blueprint("missed_reports", __name__, url_prefix="/api/v1",
                description="Missed reports (漏报): cases a grid worker walked past before "
                            "someone else reported them; only confirmed ones count")


@blp.route("/missed-reports")
class MissedReports(MethodView):
    @permissions.require(permissions.SUPERVISION)
    @blp.arguments(MissedListArgsSchema, location="query")
    @blp.response(200, MissedPageSchema)
    def get(self, args):
        """Missed-report candidates and decisions of cases in your area, newest first."""
        session = db.session()
        query = missed.candidates_query(auth.current_principal(), status=args.get("status"))
        if args.get("cursor"):
            query = query.where(MissedReport.id < args["cursor"])
        rows = session.execute(query.limit(args["limit"])).all()
        return {"items": [missed.describe(session, item, case) for item, case in rows],
                "next_cursor": rows[-1][0].id if len(rows) == args["limit"] else None}


@blp.route("/missed-reports/<int:missed_id>")
class MissedReportDetail(MethodView):
    @permissions.require(permissions.SUPERVISION)
    @blp.response(200, MissedReportSchema)
    @blp.alt_response(404, description="No such candidate in your area")
    def get(self, missed_id):
        """A candidate with its evidence: the case and the worker's track side by side."""
        session = db.session()
        item, case = missed.get_missed(session, auth.current_principal(), missed_id)
        return missed.describe(session, item, case, evidence=True)


def _decision_view(confirm: bool):
    @permissions.require(permissions.SUPERVISION)
    @blp.arguments(MissedDecisionSchema)
    @blp.response(200, MissedReportSchema)
    @blp.alt_response(404, description="No such candidate in your area")
    @blp.alt_response(409, description="Already decided")
    @db.transactional
    def view(body, missed_id):
        session = db.session()
        item, case = missed.decide(session, auth.current_principal(), missed_id,
                                   confirm=confirm, note=body.get("note"))
        return missed.describe(session, item, case)

    view.__name__ = "confirm_missed" if confirm else "dismiss_missed"
    view.__doc__ = ("Confirm: the worker missed it; it counts in 漏报率." if confirm
                    else "Dismiss: not a missed report (it was not there, or not visible).")
    return view


blp.route("/missed-reports/<int:missed_id>/confirm", methods=["POST"],
          endpoint="confirm_missed")(_decision_view(confirm=True))
blp.route("/missed-reports/<int:missed_id>/dismiss", methods=["POST"],
          endpoint="dismiss_missed")(_decision_view(confirm=False))


@blp.route("/stats/patrols/missed")
class MissedRates(MethodView):
    @permissions.require(permissions.SUPERVISION)
    @blp.arguments(WorkerCoverageArgsSchema, location="query")
    @blp.response(200, MissedRateListSchema)
    def get(self, args):
        """漏报率 per grid worker of an area: confirmed missed reports over the cases
        registered in the worker's cells, by registration day."""
        session = db.session()
        path = coverage.scope_path(session, auth.current_principal(), args["area"])
        zone = ZoneInfo(current_app.config["GRID_SETTINGS"].timezone)
        today = datetime.now(UTC).astimezone(zone).date()
        first = args.get("from") or today
        last = args.get("to") or first
        return {"from": first, "to": last,
                "items": missed.rates(session, path, first, last, zone)}
