"""并单: a supervisor merges reports awaiting review into the master case of their problem."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from grid_api.cases import queries
from grid_api.cases.workflow import ActionContext
from grid_api.integrations import merging
from grid_api.web import auth, db, permissions
from grid_api.web.blueprint import Blueprint

blp = Blueprint("merges", __name__, url_prefix="/api/v1/cases/<int:case_id>",
                description="并单: one master case for one problem reported many times")


class MergeSchema(Schema):
    case_ids = fields.List(fields.Integer(validate=validate.Range(min=1)), required=True,
                           validate=validate.Length(min=1, max=50),
                           metadata={"description": "Reports awaiting review to merge"})
    note = fields.String(validate=validate.Length(min=1, max=2000))


class MergedSchema(Schema):
    master = fields.Integer(allow_none=True, metadata={
        "description": "The case this one follows, if merged"})
    followers = fields.List(fields.Integer(), metadata={"description": "Cases merged into it"})


@blp.route("/merge")
class Merge(MethodView):
    @permissions.require(permissions.SUPERVISION)
    @blp.arguments(MergeSchema)
    @blp.response(200, MergedSchema)
    @blp.alt_response(409, description="A report is not awaiting review any more")
    @db.transactional
    def post(self, body, case_id):
        """Merge reports into this case: each is rejected as its duplicate and follows it;
        their reporters are told when it closes."""
        ctx = ActionContext(db.session(), auth.current_principal(),
                            current_app.extensions["grid_case_settings"])
        merging.merge(ctx, case_id, body["case_ids"], body.get("note"))
        return {"master": None, "followers": merging.followers_of(db.session(), case_id)}


@blp.route("/merged")
class Merged(MethodView):
    @permissions.require(permissions.AUTHENTICATED)
    @blp.response(200, MergedSchema)
    def get(self, case_id):
        """Which case this one follows, and which follow it."""
        queries.get_visible_case(db.session(), auth.current_principal(), case_id)
        return {"master": merging.master_id_of(db.session(), case_id),
                "followers": merging.followers_of(db.session(), case_id)}
