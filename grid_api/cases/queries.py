"""Cases as the services share them: settings, deadlines, views, lists, nearby search.
Filing a report is ``services.reporting``; acting on a case is ``services.case_workflow``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from geoalchemy2 import Geography
from sqlalchemy import Select, cast, func, select
from sqlalchemy.orm import Session

from geo import queries
from grid_api.cases import policy
from grid_api.errors import NotFound, ValidationFailed
from grid_api.identity.principal import Principal
from grid_api.infra import outbox
from grid_api.working_time.calendar import CALENDARS, WorkingCalendar
from models.area import Area, path_ids
from models.case import Case, CaseEvent, CaseStatus
from models.category import Category
from models.outbox import Topic
from models.unit import Unit
from models.user import User

GEOGRAPHY = Geography(srid=4326)  # distances in metres
FREQUENT_RETURNS = 2  # more returns than this flag the case (bounced between units)
OPEN_STATUSES = (CaseStatus.reported, CaseStatus.registered, CaseStatus.dispatched,
                 CaseStatus.in_progress, CaseStatus.resolved, CaseStatus.verified)


@dataclass(frozen=True)
class CaseSettings:
    """What the case services need from the deployment's settings."""

    residents_need_review: bool
    timezone: str
    day_start: time
    day_end: time
    dispute_days: int = 7
    auto_close_verified: bool = False  # verification on site closes the case itself


def calendar(session: Session, settings: CaseSettings,
             fingerprint: str | None = None) -> WorkingCalendar:
    """The working calendar (cached per process; ``fingerprint`` if already read)."""
    return WorkingCalendar(CALENDARS.exceptions(session, fingerprint), settings.day_start,
                           settings.day_end, ZoneInfo(settings.timezone))


def deadline(cal: WorkingCalendar, category: Category, stage: str,
             start: datetime) -> datetime | None:
    return deadline_after(cal, category.limit(stage), start)


def deadline_after(cal: WorkingCalendar, limit: dict[str, Any] | None,
                   start: datetime) -> datetime | None:
    return cal.add(start, limit["value"], limit["unit"]) if limit else None




def schedule_auto_dispatch(session: Session, case_id: int) -> None:
    """A registered case waits for dispatch by routing rules, once this transaction commits."""
    outbox.add(session, Topic.auto_dispatch, case_id=case_id)


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


def describe_cases(session: Session, principal: Principal, shown: list[Case]) -> list[dict]:
    """Cases as this principal may see each: full, or the redacted public form. Two
    queries of plain columns whatever the number of cases (lists show fifty at a time);
    area outlines, which can be large, are never read."""
    if not shown:
        return []
    rows = {row.id: row for row in session.execute(
        select(Case.id, func.ST_X(Case.location).label("lon"),
               func.ST_Y(Case.location).label("lat"), Area.path,
               Category.code.label("category_code"), Category.kind, Category.name_zh,
               Category.name_en, User.display_name, User.phone,
               Unit.code.label("unit_code"), Unit.name.label("unit_name"))
        .join(Category, Category.id == Case.category_id)
        .join(Area, Area.id == Case.grid_id)
        .join(User, User.id == Case.reporter_id)
        .outerjoin(Unit, Unit.id == Case.unit_id)
        .where(Case.id.in_([case.id for case in shown])))}
    wanted = {i for row in rows.values() for i in path_ids(row.path)}
    areas_by_id = {area.id: {"id": area.id, "code": area.code, "name": area.name,
                             "level": area.level.value}
                   for area in session.execute(select(Area.id, Area.code, Area.name, Area.level)
                                               .where(Area.id.in_(wanted)))}
    described = []
    for case in shown:
        row = rows[case.id]
        chain = [areas_by_id[i] for i in path_ids(row.path)[:-1] if i in areas_by_id]
        described.append(describe(principal, case, CaseRefs(
            lon=row.lon, lat=row.lat,
            category={"code": row.category_code, "kind": row.kind.value,
                      "name_zh": row.name_zh, "name_en": row.name_en},
            grid={**areas_by_id[case.grid_id], "ancestors": chain},
            reporter={"id": case.reporter_id, "display_name": row.display_name,
                      "phone": row.phone},
            unit={"id": case.unit_id, "code": row.unit_code, "name": row.unit_name}
            if case.unit_id else None)))
    return described


@dataclass(frozen=True)
class CaseRefs:
    """What a case's view shows of the rows it points at."""

    lon: float
    lat: float
    category: dict[str, Any]
    grid: dict[str, Any]  # the cell, with its ancestors root first
    reporter: dict[str, Any]  # id, display_name, phone
    unit: dict[str, Any] | None


def describe(principal: Principal, case: Case, refs: CaseRefs) -> dict[str, Any]:
    """The case as this principal may see it: full, or the redacted public form."""
    full = policy.can_view_full(principal, case)
    described: dict[str, Any] = {
        "id": case.id, "code": case.code, "status": case.status.value,
        "category": refs.category, "description": case.description,
        "location": {"type": "Point", "coordinates": [refs.lon, refs.lat]},
        "address": case.address, "grid": refs.grid,
        "created_at": case.created_at, "updated_at": case.updated_at,
        "version": case.version, "redacted": not full,
    }
    if not full:
        return described
    reporter = refs.reporter
    return described | {
        "seen_at": case.seen_at, "reported_crs": case.reported_crs,
        "reporter": {"id": reporter["id"], "display_name": reporter["display_name"],
                     **({"phone": reporter["phone"]} if principal.is_staff else {})},
        "unit": refs.unit,
        "deadlines": {"register": case.register_deadline, "handle": case.handle_deadline,
                      "verify": case.verify_deadline},
        "extension_requested_until": case.extension_requested_until,
        "overdue": case.overdue, "deferred": case.deferred,
        "needs_manual_dispatch": case.needs_manual_dispatch,
        "return_count": case.return_count,
        "frequently_returned": case.return_count > FREQUENT_RETURNS,
        "rework_count": case.rework_count, "rating": case.rating,
        "duplicate_of": case.duplicate_of_id,
    }


def describe_case(session: Session, principal: Principal, case: Case) -> dict[str, Any]:
    return describe_cases(session, principal, [case])[0]


def timeline(session: Session, principal: Principal, case: Case) -> list[dict[str, Any]]:
    """The events the principal may read: staff notes stay with staff; someone else's
    case shows its steps but not its notes, comments or actors."""
    full = policy.can_view_full(principal, case)
    events = session.execute(select(CaseEvent).where(CaseEvent.case_id == case.id)
                             .order_by(CaseEvent.seq)).scalars()
    shown = []
    for event in events:
        if (event.internal and not principal.is_staff) or (not full and event.action == "comment"):
            continue
        shown.append({
            "id": event.id, "seq": event.seq, "action": event.action,
            "from_status": event.from_status, "to_status": event.to_status,
            "reason": event.reason, "internal": event.internal,
            "data": event.data if full else {},
            "created_at": event.created_at, "note": event.note if full else None,
            "actor_id": event.actor_id if full and principal.is_staff else None,
        })
    return shown


def etag(case: Case) -> str:
    return etag_of(case.id, case.version)


def etag_of(case_id: int, version: int) -> str:
    return f'W/"{case_id}-{version}"'


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
        query = query.where(Case.location.op("&&")(queries.envelope(*criteria.bbox)))
    if criteria.overdue is not None:
        query = query.where(Case.overdue.is_(criteria.overdue))
    if criteria.created_from:
        query = query.where(Case.created_at >= criteria.created_from)
    if criteria.created_to:
        query = query.where(Case.created_at < criteria.created_to)
    return query


def nearby_query(principal: Principal, *, lon: float, lat: float, category: str | None,
                 radius_m: float, days: int) -> Select:
    """Open cases near a point (possible duplicates), nearest first, with distance in m."""
    here = cast(queries.point(lon, lat), GEOGRAPHY)
    distance = func.ST_Distance(cast(Case.location, GEOGRAPHY), here).label("distance_m")
    query = (select(Case, distance)
             .where(policy.cases_visible_to(principal), Case.status.in_(OPEN_STATUSES),
                    func.ST_DWithin(cast(Case.location, GEOGRAPHY), here, radius_m),
                    Case.created_at >= datetime.now(UTC) - timedelta(days=days))
             .order_by(distance, Case.id))
    if category:
        query = query.where(Case.category_id.in_(
            select(Category.id).where(Category.code.startswith(category))))
    return query


def case_settings_from(settings: Any) -> CaseSettings:
    """The case services' view of the deployment settings (``grid_api.config.Settings``)."""
    return CaseSettings(
        residents_need_review=settings.resident_reports_need_review,
        timezone=settings.timezone, day_start=time.fromisoformat(settings.work_day_start),
        day_end=time.fromisoformat(settings.work_day_end), dispute_days=settings.dispute_days,
        auto_close_verified=settings.auto_close_verified)
