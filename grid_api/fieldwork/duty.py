"""On duty (在岗): check-ins geofenced to the worker's own cells, and the time on duty per
day — from signing on to signing off, and every patrol, whichever says more."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from grid_api.errors import BusinessRuleViolation, PermissionDenied, ValidationFailed
from grid_api.fieldwork.patrols import FUTURE_SKEW
from grid_api.identity.principal import Principal
from models.checkin import CheckIn
from models.patrol import Patrol
from models.user import Role

# A fix this close to an own cell (and no farther than its stated accuracy) is let in:
# a worker at the kerb of their cell is not refused for the GPS's few metres.
EDGE_TOLERANCE_M = 20.0
MAX_DAYS = 62

# The worker's own current cell covering the point, else the nearest own cell and its
# distance in metres (lowest code first on ties, as every placement does).
PLACE_SQL = text("""
    SELECT a.id, a.code, a.name,
           ST_Distance(CAST(a.geom AS geography),
                       CAST(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS geography))
               AS distance_m
    FROM grid_assignments g JOIN areas a ON a.id = g.area_id
    WHERE g.user_id = :worker_id AND a.valid_to IS NULL
    ORDER BY distance_m, a.code
    LIMIT 1
""")


def check_in(session: Session, principal: Principal, *, kind: str, lon: float, lat: float,
             accuracy_m: float | None = None, at: datetime | None = None,
             client_ref: str | None = None) -> tuple[CheckIn, dict[str, Any], bool]:
    """Record a check-in inside one of the worker's own cells; returns (check-in, its
    cell, created). A resent check-in (same ``client_ref``) returns the first.

    Raises PermissionDenied (not a grid worker), ValidationFailed (time in the future),
    BusinessRuleViolation (``outside_own_cells``, with the distance to the nearest).
    """
    if not principal.has(Role.grid_worker):
        raise PermissionDenied("grid_workers_only")
    now = datetime.now(UTC)
    at = at or now
    if at > now + FUTURE_SKEW:
        raise ValidationFailed(errors={"at": ["Must not be in the future."]})
    if client_ref is not None and (known := _by_client_ref(session, principal, client_ref)):
        return known, _cell(session, known.cell_id), False
    place = session.execute(PLACE_SQL, {"lon": lon, "lat": lat,
                                        "worker_id": principal.user_id}).one_or_none()
    if place is None:
        raise BusinessRuleViolation("no_own_cells")
    tolerance = min(EDGE_TOLERANCE_M, accuracy_m if accuracy_m is not None else 0.0)
    if place.distance_m > tolerance:
        raise BusinessRuleViolation(
            "outside_own_cells", params={"distance": round(place.distance_m)},
            extra={"distance_m": round(place.distance_m, 1), "nearest_cell": {
                "id": place.id, "code": place.code, "name": place.name}})
    record = CheckIn(worker_id=principal.user_id, kind=kind, at=at, accuracy_m=accuracy_m,
                     geom=f"SRID=4326;POINT({lon} {lat})", cell_id=place.id,
                     client_ref=client_ref)
    try:
        with session.begin_nested():
            session.add(record)
            session.flush()  # the id is in the answer
    except IntegrityError:  # the same check-in, resent while the first was being stored
        known = _by_client_ref(session, principal, client_ref)
        return known, _cell(session, known.cell_id), False
    return record, {"id": place.id, "code": place.code, "name": place.name}, True


def _by_client_ref(session: Session, principal: Principal, client_ref: str) -> CheckIn | None:
    return session.execute(select(CheckIn).where(
        CheckIn.worker_id == principal.user_id, CheckIn.client_ref == client_ref)).scalar()


def _cell(session: Session, cell_id: int) -> dict[str, Any]:
    row = session.execute(text("SELECT id, code, name FROM areas WHERE id = :id"),
                          {"id": cell_id}).one()
    return {"id": row.id, "code": row.code, "name": row.name}


Interval = tuple[datetime, datetime]


def duty_intervals(check_ins: list[tuple[str, datetime]], patrols: list[Interval],
                   zone: tzinfo) -> list[Interval]:
    """On-duty time as disjoint intervals: each sign-on until the next sign-off, each
    patrol from start to finish. A sign-on never signed off lasts until the last thing
    the worker did that local day (a check-in, a patrol's end), if anything."""
    intervals = list(patrols)
    opened: datetime | None = None
    for kind, at in sorted(check_ins, key=lambda item: item[1]):
        if kind == "on" and opened is None:
            opened = at
        elif kind == "off" and opened is not None:
            intervals.append((opened, at))
            opened = None
    if opened is not None:
        day = opened.astimezone(zone).date()
        later = [at for _, at in check_ins if at > opened and at.astimezone(zone).date() == day]
        later += [end for _, end in patrols if end > opened and end.astimezone(zone).date() == day]
        if later:
            intervals.append((opened, max(later)))
    return _union(intervals)


def _union(intervals: list[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        elif end > start:
            merged.append((start, end))
    return merged


def seconds_per_day(intervals: list[Interval], zone: tzinfo) -> dict[date, float]:
    """Split intervals at local midnights and add them up per local day."""
    days: dict[date, float] = {}
    for start, end in intervals:
        cursor = start
        while cursor < end:
            local = cursor.astimezone(zone)
            midnight = datetime.combine(local.date() + timedelta(days=1), time(), zone)
            stop = min(end, midnight)
            days[local.date()] = days.get(local.date(), 0.0) + (stop - cursor).total_seconds()
            cursor = stop
    return days


def duty_days(session: Session, worker_id: int, first: date, last: date,
              zone: tzinfo) -> list[dict[str, Any]]:
    """Per local day from ``first`` to ``last``: time on duty, check-ins, patrols.

    Raises ValidationFailed (a range backwards or longer than MAX_DAYS)."""
    if last < first or (last - first).days >= MAX_DAYS:
        raise ValidationFailed(errors={"to": [f"At most {MAX_DAYS} days, not before from."]})
    # A day before and after: a shift across midnight counts on both days.
    since = datetime.combine(first - timedelta(days=1), time(), zone)
    until = datetime.combine(last + timedelta(days=2), time(), zone)
    check_ins = [(row.kind, row.at) for row in session.execute(
        select(CheckIn.kind, CheckIn.at).where(
            CheckIn.worker_id == worker_id, CheckIn.at >= since, CheckIn.at < until))]
    now = datetime.now(UTC)
    patrols = [(row.started_at, row.finished_at or min(now, row.last_activity_at))
               for row in session.execute(select(
                   Patrol.started_at, Patrol.finished_at, Patrol.last_activity_at).where(
                   Patrol.worker_id == worker_id, Patrol.started_at < until,
                   (Patrol.finished_at.is_(None)) | (Patrol.finished_at >= since)))]
    on_duty = seconds_per_day(duty_intervals(check_ins, patrols, zone), zone)
    patrolling = seconds_per_day(_union(patrols), zone)
    counts: dict[date, int] = {}
    for _, at in check_ins:
        counts[at.astimezone(zone).date()] = counts.get(at.astimezone(zone).date(), 0) + 1
    return [{"day": first + timedelta(days=offset),
             "on_duty_seconds": round(on_duty.get(first + timedelta(days=offset), 0)),
             "patrol_seconds": round(patrolling.get(first + timedelta(days=offset), 0)),
             "check_ins": counts.get(first + timedelta(days=offset), 0)}
            for offset in range((last - first).days + 1)]
