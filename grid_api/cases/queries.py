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
from grid_api.cases import policy, queues
from grid_api.cases.queues import WorkQueue
from grid_api.errors import NotFound, ValidationFailed
from grid_api.identity.principal import Principal
from models.area import Area
from models.case import OPEN_STATUSES, Case, CaseSource, CaseStatus
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
    queue: WorkQueue | None = None
    soon_until: datetime | None = None  # where "nearly overdue" ends (needed by that queue)
    sources: tuple[CaseSource, ...] = ()
    urgent: bool | None = None


def _scope(principal: Principal, mine: bool) -> ColumnElement[bool]:
    if mine:
        return Case.reporter_id == principal.user_id
    if principal.is_staff:
        return policy.cases_fully_visible_to(principal)
    return policy.cases_visible_to(principal)


def _filters(principal: Principal, criteria: CaseFilter) -> list[ColumnElement[bool]]:
    """The criteria that need nothing read first, as SQL conditions."""
    found: list[ColumnElement[bool]] = []
    if criteria.statuses:
        found.append(Case.status.in_(criteria.statuses))
    if criteria.category:
        found.append(Case.category_id.in_(
            select(Category.id).where(Category.code.startswith(criteria.category))))
    if criteria.unit_id is not None:
        found.append(Case.unit_id == criteria.unit_id)
    if criteria.bbox:
        where = Case.location if principal.is_staff else seen_location(principal)
        found.append(where.op("&&")(queries.envelope(*criteria.bbox)))
    if criteria.overdue is not None:
        found.append(Case.overdue.is_(criteria.overdue))
    if criteria.sources:
        found.append(Case.source.in_(criteria.sources))
    if criteria.urgent is not None:
        found.append(Case.urgent.is_(criteria.urgent))
    if criteria.created_from:
        found.append(Case.created_at >= criteria.created_from)
    if criteria.created_to:
        found.append(Case.created_at < criteria.created_to)
    if criteria.queue is not None:
        now = datetime.now(UTC)
        if criteria.queue is WorkQueue.due_soon and criteria.soon_until is None:
            raise ValueError("the due_soon queue needs soon_until (deadlines.due_soon_until)")
        found.append(queues.condition(criteria.queue, now, soon_until=criteria.soon_until))
    return found


def cases_query(session: Session, principal: Principal, criteria: CaseFilter) -> Select:
    """Cases the principal may see, filtered; scoped in SQL like the detail view."""
    query = select(Case).where(_scope(principal, criteria.mine), *_filters(principal, criteria))
    if criteria.area_id is not None:
        path = session.execute(select(Area.path).where(Area.id == criteria.area_id)).scalar()
        if path is None:
            raise ValidationFailed(errors={"area": ["No such area."]})
        query = query.where(Case.area_path.startswith(path))
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


