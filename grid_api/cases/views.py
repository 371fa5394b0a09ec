"""Cases as each reader may see them: the full view, the redacted public form, the timeline."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from grid_api.cases import outcomes, policy
from grid_api.categories import questions
from grid_api.identity.principal import Principal
from models.area import Area, path_ids
from models.case import PUBLIC_STATUSES, Case, CaseAction, CaseEvent, CaseStatus
from models.category import Category
from models.follow import CaseFollower
from models.unit import Unit
from models.user import User


def describe_cases(session: Session, principal: Principal, shown: list[Case]) -> list[dict]:
    """Cases as this principal may see each: full, or the redacted public form. Two
    queries of plain columns whatever the number of cases (lists show fifty at a time);
    area outlines, which can be large, are never read."""
    if not shown:
        return []
    rows = {row.id: row for row in session.execute(
        select(Case.id, func.ST_X(Case.location).label("lon"),
               func.ST_Y(Case.location).label("lat"), Area.path,
               func.ST_X(Case.public_location).label("public_lon"),
               func.ST_Y(Case.public_location).label("public_lat"), Category.sensitive,
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
    followers = _followers(session, principal, rows)
    decided = outcomes.latest_outcomes(session, [case.id for case in shown if case.status in (
        CaseStatus.closed, CaseStatus.rejected)])
    described = []
    for case in shown:
        row = rows[case.id]
        chain = [areas_by_id[i] for i in path_ids(row.path)[:-1] if i in areas_by_id]
        described.append(describe(principal, case, CaseRefs(
            lon=row.lon, lat=row.lat, public_lon=row.public_lon, public_lat=row.public_lat,
            sensitive=row.sensitive, followers=followers.get(case.id, (0, False)),
            outcome=decided.get(case.id),
            category={"code": row.category_code, "kind": row.kind.value,
                      "name_zh": row.name_zh, "name_en": row.name_en},
            grid={**areas_by_id[case.grid_id], "ancestors": chain},
            reporter={"id": case.reporter_id, "display_name": row.display_name,
                      "phone": row.phone},
            unit={"id": case.unit_id, "code": row.unit_code, "name": row.unit_name}
            if case.unit_id else None)))
    return described


def _followers(session: Session, principal: Principal,
               case_ids: Iterable[int]) -> dict[int, tuple[int, bool]]:
    """Each case's follower count, and whether the principal is one of them."""
    mine = func.bool_or(CaseFollower.user_id == principal.user_id)
    return {case_id: (count, bool(following)) for case_id, count, following in session.execute(
        select(CaseFollower.case_id, func.count(), mine)
        .where(CaseFollower.case_id.in_(list(case_ids))).group_by(CaseFollower.case_id))}


@dataclass(frozen=True)
class CaseRefs:
    """What a case's view shows of the rows it points at."""

    lon: float
    lat: float
    category: dict[str, Any]
    grid: dict[str, Any]  # the cell, with its ancestors root first
    reporter: dict[str, Any]  # id, display_name, phone
    unit: dict[str, Any] | None
    # What the public may see of the location (a sensitive category's: the cell's centre).
    public_lon: float | None = None
    public_lat: float | None = None
    sensitive: bool = False
    followers: tuple[int, bool] = (0, False)  # how many, and whether the principal follows
    outcome: dict[str, Any] | None = None


def describe(principal: Principal, case: Case, refs: CaseRefs) -> dict[str, Any]:
    """The case as this principal may see it: full, or the redacted public form."""
    full = policy.can_view_full(principal, case)
    count, following = refs.followers
    described: dict[str, Any] = {
        "id": case.id, "code": case.code, "status": case.status.value,
        "source": case.source.value, "urgent": case.urgent,
        "handled_on_site": case.handled_on_site, "category": refs.category,
        "description": case.description,
        "location": {"type": "Point", "coordinates": [refs.lon, refs.lat]},
        "location_precision": "exact",
        "address": case.address, "grid": refs.grid,
        "created_at": case.created_at, "updated_at": case.updated_at,
        "version": case.version, "redacted": not full,
        "followers": count, "following": following,
        "can_follow": (case.status in PUBLIC_STATUSES
                       and case.reporter_id != principal.user_id),
        "outcome": refs.outcome,
        "actions": [action.value for action in CaseAction
                    if case.can(action) and policy.can(principal, action, case)],
    }
    if not full:
        return described | _public_only(refs)
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
        "frequently_returned": case.frequently_returned,
        "rework_count": case.rework_count, "rating": case.rating,
        "duplicate_of": case.duplicate_of_id,
    }


def _public_only(refs: CaseRefs) -> dict[str, Any]:
    """A sensitive category's case as the public sees it: the cell's centre, no text."""
    if not refs.sensitive:
        return {}
    outcome = refs.outcome and (refs.outcome | {"reason": None})
    return {"location": {"type": "Point", "coordinates": [refs.public_lon, refs.public_lat]},
            "location_precision": "grid_cell", "description": None, "address": None,
            "outcome": outcome}


def describe_case(session: Session, principal: Principal, case: Case) -> dict[str, Any]:
    """One case; in full, with the answers to its category's questions."""
    described = describe_cases(session, principal, [case])[0]
    if not described["redacted"]:
        described["answers"] = questions.answers_of(session, case.id)
    return described


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
