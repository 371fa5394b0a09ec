"""Finding cases: one by id (as the caller may see it), filtered lists scoped in SQL like the
detail view, and open cases near a point."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from geoalchemy2 import Geography
from sqlalchemy import ColumnElement, Select, cast, func, select
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session

from geo import queries
from grid_api.cases import policy
from grid_api.errors import NotFound, ValidationFailed
from grid_api.identity.principal import Principal
from models.area import Area
from models.case import OPEN_STATUSES, Case, CaseStatus
from models.category import Category

GEOGRAPHY = Geography(srid=4326)  # distances in metres


def get_case(session: Session, case_id: int, *, for_update: bool = False) -> Case:
    query = select(Case).where(Case.id == case_id)
    if for_update:
        query = query.with_for_update()
    case = session.execute(query).scalar_one_or_none()
    if case is None:
        raise NotFound
    return case


def get_visible_case(session: Session, principal: Principal, case_id: int, *,
                     for_update: bool = False) -> Case:
    """The case if the principal may see it at all; NotFound otherwise (existence of
    cases one may not see does not leak)."""
    case = get_case(session, case_id, for_update=for_update)
    if not policy.can_view(principal, case):
        raise NotFound
    return case


@dataclass(frozen=True)
class CaseFilter:
    statuses: tuple[CaseStatus, ...] = ()
    category: str | None = None
    area_id: int | None = None
    unit_id: int | None = None
    bbox: tuple[float, float, float, float] | None = None
    mine: bool = False
    overdue: bool | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None


def cases_query(session: Session, principal: Principal, criteria: CaseFilter) -> Select:
    """Cases the principal may see, filtered; scoped in SQL like the detail view."""
    query = select(Case)
    if criteria.mine:
        query = query.where(Case.reporter_id == principal.user_id)
    elif principal.is_staff:
        query = query.where(policy.cases_fully_visible_to(principal))
    else:
        query = query.where(policy.cases_visible_to(principal))
    if criteria.statuses:
        query = query.where(Case.status.in_(criteria.statuses))
    if criteria.category:
        codes = select(Category.id).where(Category.code.startswith(criteria.category))
        query = query.where(Case.category_id.in_(codes))
    if criteria.area_id is not None:
        path = session.execute(select(Area.path).where(Area.id == criteria.area_id)).scalar()
        if path is None:
            raise ValidationFailed(errors={"area": ["No such area."]})
        query = query.where(Case.area_path.startswith(path))
    if criteria.unit_id is not None:
        query = query.where(Case.unit_id == criteria.unit_id)
    if criteria.bbox:
        where = Case.location if principal.is_staff else seen_location(principal)
        query = query.where(where.op("&&")(queries.envelope(*criteria.bbox)))
    if criteria.overdue is not None:
        query = query.where(Case.overdue.is_(criteria.overdue))
    if criteria.created_from:
        query = query.where(Case.created_at >= criteria.created_from)
    if criteria.created_to:
        query = query.where(Case.created_at < criteria.created_to)
    return query


def seen_location(principal: Principal) -> ColumnElement:
    """A case's location as the principal may see it: the point where they see the case in
    full, else its public location (a sensitive category's: the grid cell's centre), so no
    filter or distance can reveal the point either."""
    return sql_case((policy.cases_fully_visible_to(principal), Case.location),
                    else_=Case.public_location)


def nearby_query(principal: Principal, *, lon: float, lat: float, category: str | None,
                 radius_m: float, days: int) -> Select:
    """Open cases near a point (possible duplicates), nearest first, with distance in m."""
    here = cast(queries.point(lon, lat), GEOGRAPHY)
    seen = cast(seen_location(principal), GEOGRAPHY)
    distance = func.ST_Distance(seen, here).label("distance_m")
    query = (select(Case, distance)
             .where(policy.cases_visible_to(principal), Case.status.in_(sorted(OPEN_STATUSES)),
                    func.ST_DWithin(seen, here, radius_m),
                    Case.created_at >= datetime.now(UTC) - timedelta(days=days))
             .order_by(distance, Case.id))
    if category:
        query = query.where(Case.category_id.in_(
            select(Category.id).where(Category.code.startswith(category))))
    return query


