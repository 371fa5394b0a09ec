"""A case's answers to its category's questions, for whoever may see the case in full."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields

from grid_api.cases import policy, queries
from grid_api.categories import questions
from grid_api.errors import NotFound
from grid_api.web import auth, db, permissions
from grid_api.web.blueprint import Blueprint

blp = Blueprint("case_answers", __name__, url_prefix="/api/v1/cases/<int:case_id>/answers",
                description="Answers to the category's questions a case was filed with")


class AnswersSchema(Schema):
    answers = fields.Dict(metadata={"description": "Question code → answer"})


@blp.route("")
class CaseAnswers(MethodView):
    @permissions.require(permissions.AUTHENTICATED)
    @blp.response(200, AnswersSchema)
    def get(self, case_id):
        """The answers (the reporter, and staff in scope; others get 404)."""
        principal = auth.current_principal()
        case = queries.get_visible_case(db.session(), principal, case_id)
        if not policy.can_view_full(principal, case):
            raise NotFound
        return {"answers": questions.answers_of(db.session(), case_id)}
