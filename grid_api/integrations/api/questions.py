"""Category questions (the Open311 attributes): read by all, defined by admins."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from grid_api.categories import questions
from grid_api.web import db, permissions
from grid_api.web.blueprint import Blueprint
from models.question import QuestionType

blp = Blueprint("questions", __name__, url_prefix="/api/v1/categories/<string:code>/questions",
                description="Extra questions a category asks of a report (Open311 attributes)")


class ChoiceSchema(Schema):
    key = fields.String(required=True, validate=validate.Length(min=1, max=40))
    name_zh = fields.String(required=True, validate=validate.Length(min=1, max=100))
    name_en = fields.String(required=True, validate=validate.Length(min=1, max=100))


class QuestionSchema(Schema):
    code = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_-]{1,40}$"),
                         metadata={"description": "The Open311 attribute code"})
    datatype = fields.Enum(QuestionType, required=True, metadata={
        "description": "string, number, datetime, text, singlevaluelist, multivaluelist"})
    required = fields.Boolean(load_default=False)
    prompt_zh = fields.String(required=True, validate=validate.Length(min=1, max=200))
    prompt_en = fields.String(required=True, validate=validate.Length(min=1, max=200))
    choices = fields.List(fields.Nested(ChoiceSchema), load_default=list,
                          validate=validate.Length(max=100))

    @validates_schema
    def _distinct_keys(self, data, **_kwargs):
        keys = [choice["key"] for choice in data.get("choices", [])]
        if len(set(keys)) != len(keys):
            raise ValidationError("Choice keys must differ.", "choices")


class QuestionListSchema(Schema):
    questions = fields.List(fields.Nested(QuestionSchema), required=True,
                            validate=validate.Length(max=50),
                            metadata={"description": "In the order they are asked"})


def _described(found) -> dict:
    return {"questions": [{"code": q.code, "datatype": q.datatype, "required": q.required,
                           "prompt_zh": q.prompt_zh, "prompt_en": q.prompt_en,
                           "choices": q.choices} for q in found]}


@blp.route("")
class Questions(MethodView):
    @permissions.require(permissions.PUBLIC)
    @blp.response(200, QuestionListSchema)
    def get(self, code):
        """The category's questions, in the order they are asked."""
        return _described(questions.questions_for_code(db.session(), code))

    @permissions.require(permissions.ADMIN)
    @blp.arguments(QuestionListSchema)
    @blp.response(200, QuestionListSchema)
    @db.transactional
    def put(self, body, code):
        """Replace the category's questions (answers already given stay as they were)."""
        return _described(questions.replace_questions(db.session(), code, body["questions"]))
