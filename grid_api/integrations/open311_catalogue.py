"""Open311 services from the category taxonomy: a service is a minor class (小类), its
``group`` the major class (大类); and the discovery document."""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, aliased

from grid_api.categories.questions import questions_of
from grid_api.errors import NotFound
from models.category import Category
from models.question import CategoryQuestion, QuestionType

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"


def _name(category: Any, locale: str, prefix: str = "") -> str:
    return getattr(category, f"{prefix}name_en" if locale == "en" else f"{prefix}name_zh")


def services(session: Session, locale: str) -> list[dict[str, Any]]:
    """Every active minor class as an Open311 service, by code."""
    major = aliased(Category)
    rows = session.execute(
        select(Category.code, Category.kind, Category.name_zh, Category.name_en,
               major.name_zh.label("major_name_zh"), major.name_en.label("major_name_en"),
               exists().where(CategoryQuestion.category_id == Category.id).label("asks"))
        .join(major, major.id == Category.parent_id)
        .where(Category.active, major.active)
        .order_by(Category.code)).all()
    return [_service(row, locale) for row in rows]


def _service(row: Any, locale: str) -> dict[str, Any]:
    group = _name(row, locale, "major_")
    return {"service_code": row.code, "service_name": _name(row, locale),
            "description": f"{group} / {_name(row, locale)}", "metadata": row.asks,
            "type": "realtime", "keywords": f"{row.code}, {group}", "group": group}


DATATYPE_HINTS = {
    QuestionType.number: ("数字", "A number"),
    QuestionType.datetime: ("带时区的日期时间，如 2026-12-02T09:30:00+08:00",
                            "A date and time with its zone, e.g. 2026-12-02T09:30:00+08:00"),
    QuestionType.multivaluelist: ("可多选", "Choose one or more"),
}


def service_definition(session: Session, code: str, locale: str) -> dict[str, Any]:
    """The service's attributes: its category's questions, in order. Raises NotFound."""
    found = session.execute(select(Category.id).where(
        Category.code == code, Category.parent_id.is_not(None), Category.active)).scalar()
    if found is None:
        raise NotFound("unknown_service_code", params={"service_code": code[:64]})
    return {"service_code": code,
            "attributes": [_attribute(q, locale) for q in questions_of(session, found)]}


def _attribute(question: CategoryQuestion, locale: str) -> dict[str, Any]:
    english = locale == "en"
    hint = DATATYPE_HINTS.get(QuestionType(question.datatype))
    attribute: dict[str, Any] = {
        "variable": True, "code": question.code,
        "datatype": QuestionType(question.datatype).value,
        "required": question.required,
        "datatype_description": (hint[1] if english else hint[0]) if hint else None,
        "order": question.position,
        "description": question.prompt_en if english else question.prompt_zh,
    }
    if question.choices:
        attribute["values"] = [{"key": choice["key"],
                                "name": choice["name_en" if english else "name_zh"]}
                               for choice in question.choices]
    return attribute


def changeset(session: Session) -> str:
    """When the service list last changed, as the discovery document states it."""
    latest = session.execute(select(func.max(Category.created_at))).scalar()
    return latest.strftime("%Y-%m-%d %H:%M") if latest else "1970-01-01 00:00"


def discovery(session: Session, *, url: str, contact: str, key_service: str,
              production: bool) -> dict[str, Any]:
    stamp = changeset(session)
    return {
        "changeset": stamp, "contact": contact, "key_service": key_service,
        "endpoints": [{"specification": SPECIFICATION, "url": url, "changeset": stamp,
                       "type": "production" if production else "test",
                       "formats": ["text/xml", "application/json"]}],
    }
