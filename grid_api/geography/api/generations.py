"""Background grid generations: status and progress."""

from __future__ import annotations

from flask.views import MethodView

from grid_api.geography import generation_jobs
from grid_api.geography.schemas import GenerationJobSchema
from grid_api.web import db, permissions
from grid_api.web.blueprint import Blueprint

blp = Blueprint("grid_generations", __name__, url_prefix="/api/v1/grid-generations",
                description="Large grid generations, run in the background")


@blp.route("/<int:job_id>")
class GridGeneration(MethodView):
    @permissions.require(permissions.ADMIN)
    @blp.response(200, GenerationJobSchema)
    def get(self, job_id):
        """A background grid generation: its status and progress (percent)."""
        return generation_jobs.describe_job(generation_jobs.get_job(db.session(), job_id))
