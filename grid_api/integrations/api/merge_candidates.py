"""并单 candidates: reports that may be one problem, for supervisors to merge."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from grid_api.integrations import merging
from grid_api.web import auth, db, permissions
from grid_api.web.blueprint import Blueprint

blp = Blueprint("merge_candidates", __name__, url_prefix="/api/v1/merge-candidates",
                description="并单: reports from several channels that may be one problem")


class CandidateArgsSchema(Schema):
    radius_m = fields.Float(load_default=100, validate=validate.Range(min=1, max=2000),
                            metadata={"description": "Reports at most this far apart"})
    days = fields.Integer(load_default=3, validate=validate.Range(min=1, max=30), metadata={
        "description": "Reports at most this many days apart"})
    within_days = fields.Integer(load_default=30, validate=validate.Range(min=1, max=90),
                                 metadata={"description": "Only reports this recent"})


class CandidateSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    status = fields.String()
    category = fields.String()
    description = fields.String()
    created_at = fields.DateTime()
    location = fields.Dict()
    channel = fields.String(metadata={"description": "The client's channel, or `app`"})


class ClustersSchema(Schema):
    clusters = fields.List(fields.List(fields.Nested(CandidateSchema)), metadata={
        "description": "Largest first; each oldest first"})


@blp.route("")
class Candidates(MethodView):
    @permissions.require(permissions.SUPERVISION)
    @blp.arguments(CandidateArgsSchema, location="query")
    @blp.response(200, ClustersSchema)
    def get(self, args):
        """Open reports in your scope of the same major class, close in place and time."""
        return {"clusters": merging.candidate_clusters(
            db.session(), auth.current_principal(), merging.CandidateSearch(**args))}
