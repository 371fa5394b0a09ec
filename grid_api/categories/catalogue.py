"""The category taxonomy: lookups and admin changes."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload, selectinload

from grid_api.errors import Conflict, NotFound, ValidationFailed
from models.category import Category


def reportable_category(session: Session, code: str) -> Category:
    """An active minor class by code. Raises ValidationFailed (unknown_category)."""
    category = session.execute(
        select(Category).options(joinedload(Category.parent))
        .where(Category.code == code, Category.parent_id.is_not(None), Category.active)
    ).scalar_one_or_none()
    if category is None:
        raise ValidationFailed("unknown_category", errors={"category": ["Unknown category."]})
    return category


def categories_query(*, include_inactive: bool = False) -> Select:
    query = select(Category).options(selectinload(Category.parent)).order_by(Category.code)
    return query if include_inactive else query.where(Category.active)


def describe_category(category: Category) -> dict:
    return {"code": category.code, "kind": category.kind.value, "name_zh": category.name_zh,
            "name_en": category.name_en, "major": category.parent.code if category.parent else None,
            "photo_required": category.photo_required, "time_limits": category.time_limits,
            "active": category.active, "sensitive": category.sensitive,
            "allows_on_site_fix": category.allows_on_site_fix}


# A year of working time: longer limits are typos, and the calendar counts no further.
LIMIT_MAXIMUM = {"working_hours": 2000, "working_days": 250}


def _check_limits(time_limits: dict | None) -> None:
    for stage, limit in (time_limits or {}).items():
        unit = limit.get("unit") if isinstance(limit, dict) else None
        value = limit.get("value") if isinstance(limit, dict) else None
        whole = int if unit == "working_days" else int | float
        if (unit not in LIMIT_MAXIMUM or isinstance(value, bool) or not isinstance(value, whole)
                or not 0 < value <= LIMIT_MAXIMUM[unit]):
            raise ValidationFailed(errors={"time_limits": [
                f"{stage}: needs a unit of working_hours (at most 2000) or working_days "
                "(a whole number, at most 250) and a positive value"]})


def create_category(session: Session, *, code: str, name_zh: str, name_en: str,
                    photo_required: bool = False, active: bool = True,
                    time_limits: dict | None = None, sensitive: bool = False,
                    allows_on_site_fix: bool = False) -> Category:
    """Raises Conflict (code taken), ValidationFailed (no such major class, bad limits)."""
    _check_limits(time_limits)
    if session.execute(select(Category.id).where(Category.code == code)).first():
        raise Conflict("category_exists")
    major = session.execute(select(Category).where(Category.code == code[:3])).scalar_one_or_none()
    if major is None:
        raise ValidationFailed(errors={"code": ["No such major class."]})
    category = Category(code=code, kind=major.kind, parent=major, name_zh=name_zh,
                        name_en=name_en, photo_required=photo_required, active=active,
                        time_limits=time_limits or {}, sensitive=sensitive,
                        allows_on_site_fix=allows_on_site_fix)
    session.add(category)
    session.flush()
    return category


def update_category(session: Session, code: str, **changes) -> Category:
    """Raises NotFound, ValidationFailed."""
    category = session.execute(select(Category).options(selectinload(Category.parent))
                               .where(Category.code == code)).scalar_one_or_none()
    if category is None:
        raise NotFound
    _check_limits(changes.get("time_limits"))
    for name, value in changes.items():
        setattr(category, name, value)
    return category
