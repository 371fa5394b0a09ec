"""The workflow actions on a case: one POST endpoint each, all through one service."""

from __future__ import annotations

from collections.abc import Callable

from flask import request
from marshmallow import Schema

from grid_api.cases import workflow
from grid_api.cases.api.cases import case_response, case_settings
from grid_api.cases.schemas import (
    CaseSchema,
    CommentSchema,
    DispatchSchema,
    ExtensionDecisionSchema,
    ExtensionRequestSchema,
    NoteSchema,
    RatingSchema,
    ReassignSchema,
    RejectSchema,
    RequiredNoteSchema,
    ReturnSchema,
)
from grid_api.web import auth, db, permissions
from grid_api.web.blueprint import Blueprint
from models.case import CaseAction

blp = Blueprint("case_actions", __name__, url_prefix="/api/v1/cases",
                description="Workflow actions. Send `If-Match` with the ETag you last saw to "
                            "refuse acting on a case that changed meanwhile (412).")

# (path, action, body schema, what it does); who may act is decided by policy.can
ACTIONS: tuple[tuple[str, CaseAction, type[Schema], str], ...] = (
    ("register", CaseAction.register, NoteSchema, "立案: a supervisor accepts the report."),
    ("reject", CaseAction.reject, RejectSchema,
     "不予立案: a supervisor rejects the report (`duplicate` needs `duplicate_of`)."),
    ("dispatch", CaseAction.dispatch, DispatchSchema,
     "派遣: a supervisor sends the case to a unit; the handling clock starts."),
    ("reassign", CaseAction.reassign, ReassignSchema,
     "改派: a supervisor moves the case to another unit, with a reason."),
    ("accept", CaseAction.accept, NoteSchema, "The unit takes the case on."),
    ("return", CaseAction.return_, ReturnSchema,
     "回退: the unit says the case is not theirs, with a reason code."),
    ("extend", CaseAction.request_extension, ExtensionRequestSchema,
     "延期: the unit asks for a later deadline; a supervisor decides."),
    ("defer", CaseAction.defer, RequiredNoteSchema,
     "缓办: a supervisor takes the case out of on-time statistics."),
    ("resolve", CaseAction.resolve, RequiredNoteSchema,
     "The unit reports the fix (after-photos first where the category demands them)."),
    ("verify", CaseAction.verify, NoteSchema,
     "核查: the cell's grid worker (or a supervisor) confirms the fix on site."),
    ("reopen", CaseAction.reopen, RequiredNoteSchema,
     "返工: verification failed; the case goes back to the unit."),
    ("close", CaseAction.close, NoteSchema, "结案: a supervisor closes the verified case."),
    ("comments", CaseAction.comment, CommentSchema,
     "A comment on the timeline (`internal` ones are for staff only)."),
    ("rating", CaseAction.rate, RatingSchema, "The reporter rates the closed case, 1–5."),
    ("dispute", CaseAction.dispute, RequiredNoteSchema,
     "The reporter disputes the result within the dispute window; the case reopens."),
)


def _action_view(choose: Callable[[dict], CaseAction], schema: type[Schema], summary: str,
                 name: str):
    @permissions.require(permissions.AUTHENTICATED)  # who may act on which case: the policy
    @blp.arguments(schema)
    @blp.response(200, CaseSchema)
    @blp.alt_response(403, description="Not yours to do")
    @blp.alt_response(404, description="No such case, or not one you may see")
    @blp.alt_response(409, description="Not allowed in the case's current status")
    @blp.alt_response(412, description="If-Match does not match the case's ETag")
    @db.transactional
    def view(body, case_id):
        ctx = workflow.ActionContext(db.session(), auth.current_principal(),
                                          case_settings())
        case = workflow.act(ctx, case_id, choose(body), body,
                                 if_match=request.headers.get("If-Match"))
        return case_response(case)

    view.__name__ = name
    view.__doc__ = summary
    return view


for path, action, schema, summary in ACTIONS:
    blp.route(f"/<int:case_id>/{path}", methods=["POST"], endpoint=f"case_{action.value}")(
        _action_view(lambda _body, action=action: action, schema, summary,
                     f"case_{action.value}"))

blp.route("/<int:case_id>/extend/decision", methods=["POST"],
          endpoint="case_extension_decision")(_action_view(
    lambda body: (CaseAction.approve_extension if body["approve"]
                  else CaseAction.deny_extension),
    ExtensionDecisionSchema,
    "A supervisor approves (the deadline moves) or denies a requested extension.",
    "case_extension_decision"))
