"""Following a case (我也遇到), the cases you follow, and the dispute rate per unit."""

from __future__ import annotations

from flask.views import MethodView

from grid_api.cases import outcomes, views
from grid_api.cases.schemas import CasePageSchema
from grid_api.residents import follows
from grid_api.residents.schemas import (
    DisputeRateArgsSchema,
    DisputeRateListSchema,
    FollowSchema,
)
from grid_api.web import auth, db, permissions
from grid_api.web.blueprint import Blueprint
from grid_api.web.pagination import PageArgsSchema, paginate
from models.case import Case
from models.follow import CaseFollower

blp = Blueprint("follows", __name__, url_prefix="/api/v1",
                description="Residents as partners: follow a case instead of reporting it again")


@blp.route("/cases/<int:case_id>/follow")
class Follow(MethodView):
    @permissions.require(permissions.AUTHENTICATED)
    @blp.response(200, FollowSchema)
    @blp.alt_response(404, description="No such case, or not a public one")
    @blp.alt_response(422, description="Your own report (`cannot_follow_own_case`)")
    @db.transactional
    def put(self, case_id):
        """Follow a public case (我也遇到): hear when it is dispatched, handled, closed or
        reopened. Following again changes nothing."""
        count = follows.follow(db.session(), auth.current_principal(), case_id)
        return {"case_id": case_id, "following": True, "followers": count}

    @permissions.require(permissions.AUTHENTICATED)
    @blp.response(200, FollowSchema)
    @blp.alt_response(404, description="No such case, or not one you may see")
    @db.transactional
    def delete(self, case_id):
        """Stop following the case."""
        count = follows.unfollow(db.session(), auth.current_principal(), case_id)
        return {"case_id": case_id, "following": False, "followers": count}


@blp.route("/me/following")
class Following(MethodView):
    @permissions.require(permissions.AUTHENTICATED)
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, CasePageSchema)
    def get(self, args):
        """The cases you follow, the most recently followed first."""
        principal = auth.current_principal()
        page = paginate(db.session(), follows.followed_query(principal),
                        order_by=[CaseFollower.created_at, Case.id], limit=args["limit"],
                        cursor=args["cursor"])
        return {"items": views.describe_cases(db.session(), principal, page.items),
                "next_cursor": page.next_cursor}


@blp.route("/outcomes/dispute-rates")
class DisputeRates(MethodView):
    @permissions.require(permissions.SUPERVISION)
    @blp.arguments(DisputeRateArgsSchema, location="query")
    @blp.response(200, DisputeRateListSchema)
    def get(self, args):
        """Per unit: closures as fixed in the period and how many the reporter disputed."""
        rows = db.session().execute(outcomes.dispute_rates(
            db.session(), since=args.get("since"), until=args.get("until")))
        return {"items": [{"unit": {"id": row.id, "code": row.code, "name": row.name},
                           "fixed": row.fixed, "disputed": row.disputed,
                           "rate": round(row.disputed / row.fixed, 4) if row.fixed else None}
                          for row in rows]}
