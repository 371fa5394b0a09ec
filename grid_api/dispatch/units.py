"""Responsible units (处置单位): the departments cases are dispatched to."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from grid_api.errors import Conflict, NotFound, ValidationFailed
from models.unit import Unit


def get_unit(session: Session, unit_id: int) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound
    return unit


def units_query() -> Select:
    return select(Unit)


def save_unit(session: Session, unit: Unit, **fields) -> Unit:
    """Create or change a unit. Raises Conflict (code taken), ValidationFailed (parent)."""
    parent_id = fields.get("parent_id")
    if parent_id is not None and (parent_id == unit.id or session.get(Unit, parent_id) is None):
        raise ValidationFailed(errors={"parent_id": ["No such unit."]})
    for name, value in fields.items():
        setattr(unit, name, value)
    try:
        with session.begin_nested():
            session.add(unit)
            session.flush()  # the id is in the answer; a duplicate code shows here
    except IntegrityError as exc:
        raise Conflict("unit_code_taken") from exc
    return unit
