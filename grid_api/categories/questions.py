"""Category questions (the Open311 attributes): admins define them per minor class; every
report answers them — ``POST /api/v1/cases``, offline sync, Open311 requests and 12345 work
orders, all through filing — checked here, in this one place, and the answers are kept with
the case."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from grid_api.errors import NotFound, ValidationFailed
from grid_api.infra.timestamps import SANE_FROM, SANE_UNTIL
from models.category import Category
from models.question import CaseAnswers, CategoryQuestion, QuestionType

LISTS = (QuestionType.singlevaluelist, QuestionType.multivaluelist)
MAX_STRING, MAX_TEXT = 500, 4000
OUT_OF_RANGE = "Must be between 2000-01-01 and 2100-01-01."  # as every date-time input


def _minor_class(session: Session, code: str) -> Category:
    category = session.execute(select(Category).where(
        Category.code == code, Category.parent_id.is_not(None))).scalar_one_or_none()
    if category is None:
        raise NotFound
    return category


def questions_of(session: Session, category_id: int) -> list[CategoryQuestion]:
    return list(session.execute(select(CategoryQuestion).where(
        CategoryQuestion.category_id == category_id).order_by(CategoryQuestion.position))
        .scalars())


def questions_for_code(session: Session, code: str) -> list[CategoryQuestion]:
    """Raises NotFound (no such minor class)."""
    return questions_of(session, _minor_class(session, code).id)


def replace_questions(session: Session, code: str, questions: list[dict[str, Any]]
                      ) -> list[CategoryQuestion]:
    """The category's questions become ``questions``, asked in the order given.
    Answers already given stay as they were. Raises NotFound, ValidationFailed."""
    category = _minor_class(session, code)
    codes = [question["code"] for question in questions]
    if len(set(codes)) != len(codes):
        raise ValidationFailed(errors={"questions": ["Question codes must differ."]})
    for question in questions:
        has_choices = bool(question.get("choices"))
        if (question["datatype"] in LISTS) != has_choices:
            raise ValidationFailed(errors={question["code"]: [
                "List questions need choices; other questions take none."]})
    session.execute(delete(CategoryQuestion).where(CategoryQuestion.category_id == category.id))
    made = [CategoryQuestion(category_id=category.id, position=index, **question)
            for index, question in enumerate(questions, start=1)]
    session.add_all(made)
    session.flush()  # their ids and defaults, for the answer
    return made


def _one(value: Any) -> str | None:
    if isinstance(value, list):
        return value[0] if len(value) == 1 else None
    return value


def _check(question: CategoryQuestion, value: Any) -> Any:
    """The answer in its stored form; raises ValueError with what is wrong."""
    kind = QuestionType(question.datatype)
    keys = {choice["key"] for choice in question.choices}
    if kind is QuestionType.multivaluelist:
        chosen = value if isinstance(value, list) else [value]
        if not chosen or not all(isinstance(key, str) for key in chosen) or not set(
                chosen) <= keys:
            raise ValueError("Must be among the choices.")
        return list(dict.fromkeys(chosen))
    single = _one(value)
    if not isinstance(single, str):
        raise ValueError("Give one value.")
    if kind is QuestionType.singlevaluelist:
        if single not in keys:
            raise ValueError("Must be among the choices.")
        return single
    if kind is QuestionType.number:
        number = float(single)  # ValueError on words
        if not math.isfinite(number):
            raise ValueError("Not a valid number.")
        return int(number) if number.is_integer() else number
    if kind is QuestionType.datetime:
        moment = datetime.fromisoformat(single.replace(" ", "+"))
        if moment.tzinfo is None:
            raise ValueError("Needs a time zone.")
        try:
            utc = moment.astimezone(UTC)
        except OverflowError as exc:  # year 1 or 9999 pushed past Python's range
            raise ValueError(OUT_OF_RANGE) from exc
        if not SANE_FROM <= utc < SANE_UNTIL:
            raise ValueError(OUT_OF_RANGE)
        return moment.isoformat()
    limit = MAX_TEXT if kind is QuestionType.text else MAX_STRING
    if len(single) > limit or (kind is QuestionType.string and "\n" in single):
        raise ValueError("Too long, or more than one line.")
    return single


def check_answers(questions: list[CategoryQuestion], answers: Mapping[str, Any], *,
                  field: str | None = None) -> dict[str, Any]:
    """Answers checked against the questions: every required one answered, none unknown,
    each of its type (date-times with their zone, within 2000–2100). Raises ValidationFailed
    with messages per question code, under ``field`` when given (the request's field)."""
    errors: dict[str, list[str]] = {}
    known = {question.code: question for question in questions}
    errors.update({code: ["Unknown question."] for code in answers if code not in known})
    checked: dict[str, Any] = {}
    for question in questions:
        value = answers.get(question.code)
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)  # JSON numbers answer number questions too
        if value in (None, "", []):
            if question.required:
                errors[question.code] = ["Missing data for required field."]
            continue
        try:
            checked[question.code] = _check(question, value)
        except ValueError as exc:
            message = str(exc)
            errors[question.code] = [message if message.endswith(".") else "Invalid value."]
    if errors:
        raise ValidationFailed("invalid_answers",
                               errors={field: errors} if field else errors)
    return checked


def keep_answers(session: Session, case_id: int, answers: dict[str, Any]) -> None:
    if answers:
        session.add(CaseAnswers(case_id=case_id, answers=answers))


def answers_of(session: Session, case_id: int) -> dict[str, Any]:
    found = session.get(CaseAnswers, case_id)
    return found.answers if found is not None else {}
