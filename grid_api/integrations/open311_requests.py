"""Open311 service requests: our cases as the standard shows them, found by its filters.

Status mapping (documented in README): ``closed`` and ``rejected`` are Open311 ``closed``;
every other status is ``open``. The detailed status is in ``status_notes`` and, with
``extensions=true``, in ``extended_attributes.detailed_status``. Only what the public may
see is shown: the redacted form of cases past review; a client also sees the cases it
filed itself, from the moment they were filed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, false, func, or_, select
from sqlalchemy.orm import Session, aliased

from grid_api.errors import NotFound
from models.area import Area, path_ids
from models.case import PUBLIC_STATUSES, Case, CaseEvent, CaseStatus
from models.category import Category
from models.integration import ClientCase
from models.question import CaseAnswers
from models.unit import Unit

WINDOW = timedelta(days=90)  # the standard's longest start_date..end_date span
CLOSED = (CaseStatus.closed, CaseStatus.rejected)
OPEN311_STATUS = {status: "closed" if status in CLOSED else "open" for status in CaseStatus}
STATUS_NOTES = {
    CaseStatus.reported: ("已受理，待审核", "Received, awaiting review"),
    CaseStatus.registered: ("已立案，待派遣", "Registered, awaiting dispatch"),
    CaseStatus.dispatched: ("已派遣至处置单位", "Dispatched to the responsible unit"),
    CaseStatus.in_progress: ("处置中", "Being handled"),
    CaseStatus.resolved: ("已处置，待核查", "Handled, awaiting verification"),
    CaseStatus.verified: ("已核查，待结案", "Verified, awaiting closure"),
    CaseStatus.closed: ("已结案", "Closed"),
    CaseStatus.rejected: ("不予立案", "Not accepted"),
}
# Public timeline steps (notes[]): which events, and their type names.
NOTE_ACTIONS = ("report", "register", "reject", "dispatch", "reassign", "accept", "return",
                "resolve", "verify", "reopen", "close", "dispute")


@dataclass(frozen=True)
class RequestFilter:
    ids: tuple[str, ...] = ()
    service_codes: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    open_closed: tuple[str, ...] = ()
    updated_after: datetime | None = None
    updated_before: datetime | None = None


def visible(client_id: int | None):
    """Public cases, and the cases the calling client filed."""
    public = Case.status.in_(sorted(PUBLIC_STATUSES))
    if client_id is None:
        return public
    return or_(public, Case.id.in_(select(ClientCase.case_id)
                                   .where(ClientCase.client_id == client_id)))


def requests_query(criteria: RequestFilter, client_id: int | None) -> Select:
    """Cases matching the standard's filters; ``service_request_id`` overrides the rest."""
    query = select(Case).where(visible(client_id))
    if criteria.ids:
        return query.where(Case.code.in_(criteria.ids))
    if criteria.service_codes:
        query = query.where(Case.category_id.in_(
            select(Category.id).where(Category.code.in_(criteria.service_codes))))
    if criteria.start is not None:
        query = query.where(Case.created_at >= criteria.start)
    if criteria.end is not None:
        query = query.where(Case.created_at <= criteria.end)
    if criteria.open_closed:
        statuses = [s for s in CaseStatus if OPEN311_STATUS[s] in criteria.open_closed]
        query = query.where(Case.status.in_(statuses) if statuses else false())
    if criteria.updated_after is not None:
        query = query.where(Case.updated_at > criteria.updated_after)
    if criteria.updated_before is not None:
        query = query.where(Case.updated_at < criteria.updated_before)
    return query.order_by(Case.created_at.desc(), Case.id.desc())


def get_request(session: Session, code: str, client_id: int | None) -> Case:
    case = session.execute(select(Case).where(Case.code == code, visible(client_id))
                           ).scalar_one_or_none()
    if case is None:
        raise NotFound("unknown_service_request", params={"id": code})
    return case


def describe_requests(session: Session, cases: Sequence[Case], *, locale: str, zone: ZoneInfo,
                      extensions: bool) -> list[dict[str, Any]]:
    """Open311 requests, in the order given; three queries whatever their number."""
    if not cases:
        return []
    ids = [case.id for case in cases]
    rows = {row.id: row for row in session.execute(
        select(Case.id, func.ST_X(Case.public_location).label("lon"),
               func.ST_Y(Case.public_location).label("lat"), Category.sensitive,
               Category.code, Category.name_zh,
               Category.name_en, Unit.code.label("unit_code"), Unit.name.label("unit_name"),
               ClientCase.details, ClientCase.token)
        .join(Category, Category.id == Case.category_id)
        .outerjoin(Unit, Unit.id == Case.unit_id)
        .outerjoin(ClientCase, ClientCase.case_id == Case.id)
        .where(Case.id.in_(ids)))}
    extra = _extensions(session, cases, rows, locale, zone) if extensions else {}
    return [_describe(case, rows[case.id], locale, zone) | extra.get(case.id, {})
            for case in cases]


def _local(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    return moment.astimezone(zone) if moment is not None else None


def _describe(case: Case, row: Any, locale: str, zone: ZoneInfo) -> dict[str, Any]:
    english = locale == "en"
    notes = STATUS_NOTES[case.status]
    updated = case.closed_at if case.status is CaseStatus.closed and case.closed_at else (
        case.updated_at)
    return {
        "service_request_id": case.code,
        "status": OPEN311_STATUS[case.status],
        "status_notes": notes[1] if english else notes[0],
        "service_name": row.name_en if english else row.name_zh,
        "service_code": row.code,
        # A sensitive category's case: its cell's centre (the public location), no text.
        "description": None if row.sensitive else case.description,
        "agency_responsible": row.unit_name,
        "service_notice": None,
        "requested_datetime": _local(case.created_at, zone),
        "updated_datetime": _local(updated, zone),
        "expected_datetime": _local(case.handle_deadline, zone),
        "address": None if row.sensitive else case.address,
        "address_id": None,
        "zipcode": None,
        "lat": round(row.lat, 7),
        "long": round(row.lon, 7),
        "media_url": (row.details or {}).get("media_url"),
    }


def _extensions(session: Session, cases: Sequence[Case], rows: dict[int, Any], locale: str,
                zone: ZoneInfo) -> dict[int, dict[str, Any]]:
    """``extended_attributes`` and ``notes`` (the public timeline) per case id."""
    english = locale == "en"
    cell = aliased(Area)
    paths = dict(session.execute(select(Case.id, cell.path).join(cell, cell.id == Case.grid_id)
                                 .where(Case.id.in_([case.id for case in cases]))).all())
    wanted = {i for path in paths.values() for i in path_ids(path)}
    areas = {row.id: {"code": row.code, "name": row.name, "level": row.level.value}
             for row in session.execute(select(Area.id, Area.code, Area.name, Area.level)
                                        .where(Area.id.in_(wanted)))}
    notes: dict[int, list[dict[str, Any]]] = {}
    for event in session.execute(
            select(CaseEvent.case_id, CaseEvent.action, CaseEvent.to_status,
                   CaseEvent.created_at)
            .where(CaseEvent.case_id.in_(list(paths)), CaseEvent.action.in_(NOTE_ACTIONS),
                   CaseEvent.internal.is_(False))
            .order_by(CaseEvent.case_id, CaseEvent.seq)):
        label = STATUS_NOTES[CaseStatus(event.to_status)]
        notes.setdefault(event.case_id, []).append({
            "datetime": _local(event.created_at, zone), "type": event.action,
            "description": label[1] if english else label[0]})
    answers = dict(session.execute(select(CaseAnswers.case_id, CaseAnswers.answers).where(
        CaseAnswers.case_id.in_(list(paths)))).all())
    extended = {}
    for case in cases:
        chain = [areas[i] for i in path_ids(paths[case.id]) if i in areas]
        row = rows[case.id]
        extended[case.id] = {
            "extended_attributes": {
                "detailed_status": case.status.value,
                "channel": (row.details or {}).get("channel"),
                "unit": {"code": row.unit_code, "name": row.unit_name} if row.unit_code else None,
                "grid": chain[-1] if chain else None,
                "areas": chain[:-1],
                "deadlines": {"register": _local(case.register_deadline, zone),
                              "handle": _local(case.handle_deadline, zone),
                              "verify": _local(case.verify_deadline, zone)},
                "overdue": case.overdue,
                "attributes": answers.get(case.id, {}),
            },
            "notes": notes.get(case.id, []),
        }
    return extended


def resolve_token(session: Session, token: str) -> str:
    """The service_request_id a token stands for. Raises NotFound."""
    code = session.execute(select(Case.code).join(ClientCase, ClientCase.case_id == Case.id)
                           .where(ClientCase.token == token)).scalar()
    if code is None:
        raise NotFound("unknown_token", params={"token": token[:64]})
    return code
