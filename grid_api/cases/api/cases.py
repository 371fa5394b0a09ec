"""Cases: report, read, list, timeline, nearby duplicates."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app, jsonify, request
from flask.views import MethodView

from geo.crs import to_wgs84
from grid_api.cases import deadlines, filing, idempotency, queries, queues, views
from grid_api.cases.queries import CaseFilter
from grid_api.cases.queues import WorkQueue
from grid_api.cases.schemas import (
    CaseCreateSchema,
    CaseListArgsSchema,
    CasePageSchema,
    CaseSchema,
    EventListSchema,
    NearbyArgsSchema,
    QueueCountsSchema,
)
from grid_api.cases.settings import CaseSettings
from grid_api.web import auth, db, etags, permissions
from grid_api.web.blueprint import Blueprint
from grid_api.web.pagination import paginate
from models.case import Case, CaseStatus

blp = Blueprint("cases", __name__, url_prefix="/api/v1/cases",
                description="Cases: the closed loop from report to evaluation")
IDEMPOTENCY_HEADER = "Idempotency-Key"


def case_settings() -> CaseSettings:
    return current_app.extensions["grid_case_settings"]


def case_response(case: Case, status: int = 200):
    """The case as the caller may see it, with its ETag."""
    body = views.describe_case(db.session(), auth.current_principal(), case)
    return body, status, {"ETag": etags.etag(case.id, case.version)}


def _report(body: dict) -> tuple[dict, int, dict]:
    principal = auth.current_principal()
    lon, lat = to_wgs84(*body["location"]["coordinates"], body["crs"])
    filed = filing.report_case(
        db.session(), principal, case_settings(), category=body["category"],
        description=body["description"], lon=lon, lat=lat, crs=body["crs"],
        address=body.get("address"), seen_at=body.get("seen_at"),
        source=filing.channel(principal, body.get("source")), urgent=body["urgent"],
        answers=body.get("answers"), handled_on_site=body["handled_on_site"])
    return filed.view, 201, {"ETag": etags.etag(filed.case.id, filed.case.version)}


@blp.route("")
class Cases(MethodView):
    @permissions.require(permissions.AUTHENTICATED)
    @blp.arguments(CaseCreateSchema)
    @blp.response(201, CaseSchema)
    @blp.alt_response(403, description="`handled_on_site` from someone who is not a grid "
                                       "worker, `urgent` from someone who is not a supervisor")
    @blp.alt_response(422, description="Invalid report, unknown category, answers that do "
                                       "not answer the category's questions "
                                       "(`invalid_answers`, per question under "
                                       "`errors.answers`), or outside every grid cell "
                                       "(`outside_service_area`); `handled_on_site` in a "
                                       "category without fixes on the spot or outside the "
                                       "worker's own cells")
    @blp.doc(parameters=[{"in": "header", "name": IDEMPOTENCY_HEADER, "schema": {
        "type": "string", "maxLength": 100}, "description": "Retries with the same key and "
        "body get the first answer again; the same key with another body is refused (422)"}])
    @db.transactional
    def post(self, body):
        """Report a problem at a location; it is placed in its grid cell."""
        key = request.headers.get(IDEMPOTENCY_HEADER)
        if key is None:
            return _report(body)
        principal = auth.current_principal()
        claim = idempotency.begin(
            db.session(), user_id=principal.user_id, key=key,
            print_=idempotency.fingerprint(request.method, request.path, request.get_json()))
        if isinstance(claim, idempotency.Replay):
            replay = jsonify(claim.response)
            replay.status_code = claim.status_code
            replay.headers["Idempotent-Replayed"] = "true"
            replay.headers["ETag"] = etags.etag(claim.response["id"],
                                                   claim.response["version"])
            return replay
        described, status, headers = _report(body)
        idempotency.finish(db.session(), claim, status,
                           CaseSchema().dump(described))
        return described, status, headers

    @permissions.require(permissions.AUTHENTICATED)
    @blp.arguments(CaseListArgsSchema, location="query")
    @blp.response(200, CasePageSchema)
    def get(self, args):
        """Cases you may see, newest first. Staff see their scope; residents their own in
        full and other people's public cases redacted."""
        principal = auth.current_principal()
        criteria = CaseFilter(
            statuses=tuple(CaseStatus(s) for s in args.get("status", [])),
            category=args.get("category"), area_id=args.get("area"), unit_id=args.get("unit"),
            bbox=args.get("bbox"), mine=args["mine"], overdue=args.get("overdue"),
            created_from=args.get("created_from"), created_to=args.get("created_to"),
            queue=args.get("queue"), sources=tuple(args.get("source", ())),
            urgent=args.get("urgent"), soon_until=deadlines.due_soon_until(
                db.session(), case_settings(), datetime.now(UTC))
            if args.get("queue") is WorkQueue.due_soon else None)
        query = queries.cases_query(db.session(), principal, criteria)
        page = paginate(db.session(), query, order_by=[Case.created_at, Case.id],
                        limit=args["limit"], cursor=args["cursor"])
        return {"items": views.describe_cases(db.session(), principal, page.items),
                "next_cursor": page.next_cursor}


@blp.route("/queues")
class Queues(MethodView):
    @permissions.require(permissions.STAFF)
    @blp.response(200, QueueCountsSchema)
    def get(self):
        """How many cases of your scope wait in each work queue (list them with `queue=`)."""
        now = datetime.now(UTC)
        return queues.counts(db.session(), auth.current_principal(), now,
                             soon_until=deadlines.due_soon_until(db.session(), case_settings(),
                                                                 now))


@blp.route("/nearby")
class Nearby(MethodView):
    @permissions.require(permissions.AUTHENTICATED)
    @blp.arguments(NearbyArgsSchema, location="query")
    @blp.response(200, CasePageSchema)
    def get(self, args):
        """Open cases near a point, nearest first: possible duplicates before reporting."""
        principal = auth.current_principal()
        lon, lat = to_wgs84(args["lon"], args["lat"], args["crs"])
        query = queries.nearby_query(principal, lon=lon, lat=lat, category=args.get("category"),
                                   radius_m=args["radius_m"], days=args["days"])
        rows = db.session().execute(query.limit(args["limit"])).all()
        described = views.describe_cases(db.session(), principal, [case for case, _ in rows])
        return {"items": [item | {"distance_m": round(distance, 1)}
                          for item, (_, distance) in zip(described, rows, strict=True)],
                "next_cursor": None}


@blp.route("/<int:case_id>")
class CaseDetail(MethodView):
    @permissions.require(permissions.AUTHENTICATED)
    @blp.response(200, CaseSchema)
    @blp.alt_response(404, description="No such case, or not one you may see")
    def get(self, case_id):
        """One case (redacted unless it is yours or in your scope); carries an ETag."""
        return case_response(queries.get_visible_case(db.session(), auth.current_principal(),
                                                    case_id))


@blp.route("/<int:case_id>/events")
class CaseEvents(MethodView):
    @permissions.require(permissions.AUTHENTICATED)
    @blp.response(200, EventListSchema)
    def get(self, case_id):
        """The case's timeline: every step, oldest first. Events are never changed."""
        principal = auth.current_principal()
        case = queries.get_visible_case(db.session(), principal, case_id)
        return {"items": views.timeline(db.session(), principal, case)}
