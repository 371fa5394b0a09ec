"""The workflow actions on a case: one POST endpoint per command route, all through one
service. Routes, schemas and commands come from ``grid_api.cases.commands``."""

from __future__ import annotations

from grid_api.cases import commands, workflow
from grid_api.cases.api.cases import case_response, case_settings
from grid_api.cases.schemas import CaseSchema
from grid_api.web import auth, db, etags, permissions
from grid_api.web.blueprint import Blueprint

blp = Blueprint("case_actions", __name__, url_prefix="/api/v1/cases",
                description="Workflow actions. Send `If-Match` with the ETag you last saw to "
                            "refuse acting on a case that changed meanwhile (412).")


def _action_view(route: commands.ActionRoute):
    @permissions.require(permissions.AUTHENTICATED)  # who may act on which case: the policy
    @blp.arguments(route.schema)
    @blp.response(200, CaseSchema)
    @blp.alt_response(403, description="Not yours to do")
    @blp.alt_response(404, description="No such case, or not one you may see")
    @blp.alt_response(409, description="Not allowed in the case's current status")
    @blp.alt_response(412, description="If-Match does not match the case's ETag")
    @db.transactional
    def view(command: commands.Command, case_id: int):
        ctx = workflow.ActionContext(db.session(), auth.current_principal(), case_settings())
        case = workflow.act(ctx, case_id, command, expected_versions=etags.if_match(case_id))
        return case_response(case)

    view.__name__ = route.endpoint
    view.__doc__ = route.summary
    return view


for action_route in commands.ROUTES:
    blp.route(f"/<int:case_id>/{action_route.path}", methods=["POST"],
              endpoint=action_route.endpoint)(_action_view(action_route))
