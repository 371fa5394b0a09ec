"""Missed reports (漏报): cases that came in through someone else, where one of the cell's
grid workers had walked within a few metres in the hours before, are candidates; a
supervisor confirms or dismisses each, and only confirmed ones count in 漏报率.

Walking is what counts: a worker who rode past on a bus missed nothing. Candidates are
found by the worker's periodic sweep, a little after a case is filed (a phone offline on
patrol sends its track late).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import Select, func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from geo import track
from grid_api.errors import Conflict, NotFound, ValidationFailed
from grid_api.fieldwork import patrols
from grid_api.fieldwork.coverage import MAX_DAYS
from grid_api.fieldwork.patrols import PatrolSettings
from grid_api.identity.principal import Principal
from models.case import Case
from models.missed_report import MissedReport, MissedReportScan
from models.patrol import Patrol
from models.user import Role, User

SCAN_DELAY = timedelta(minutes=30)  # tracks of phones that were offline arrive late
SCAN_HORIZON = timedelta(days=3)  # older cases are not looked at any more
EVIDENCE_SPAN = timedelta(minutes=10)  # the track shown either side of the closest fix


@dataclass(frozen=True)
class MissedSettings:
    radius_m: float  # a walking fix this close to the case saw it
    window: timedelta  # how long before the report a walk past counts

    @classmethod
    def from_settings(cls, settings: Any) -> MissedSettings:
        """From ``grid_api.config.Settings``."""
        return cls(radius_m=settings.missed_report_radius_m,
                   window=timedelta(hours=settings.missed_report_window_hours))


CASES_TO_SCAN_SQL = text("""
    SELECT c.id, c.grid_id, c.reporter_id, c.created_at,
           ST_X(c.location) AS lon, ST_Y(c.location) AS lat
    FROM cases c JOIN users r ON r.id = c.reporter_id
    WHERE c.created_at < :ready AND c.created_at > :horizon
      AND NOT ('grid_worker' = ANY (r.roles))
      AND NOT EXISTS (SELECT 1 FROM missed_report_scans s WHERE s.case_id = c.id)
    ORDER BY c.created_at
    LIMIT :batch
""")

# Patrols of the cell's own grid workers that were under way in the window.
PATROLS_NEAR_SQL = text("""
    SELECT p.id FROM patrols p
    JOIN grid_assignments g ON g.user_id = p.worker_id AND g.area_id = :cell_id
    WHERE p.worker_id <> :reporter_id AND p.track_purged_at IS NULL
      AND p.started_at <= :reported_at AND coalesce(p.finished_at, now()) >= :since
""")


def scan(session: Session, patrol_settings: PatrolSettings, settings: MissedSettings, *,
         batch: int = 200) -> int:
    """Look at cases filed a little while ago by anyone but a grid worker; returns how
    many missed-report candidates were found."""
    now = datetime.now(UTC)
    found = 0
    for case in session.execute(CASES_TO_SCAN_SQL, {
            "ready": now - SCAN_DELAY, "horizon": now - SCAN_HORIZON, "batch": batch}):
        found += _scan_case(session, case, patrol_settings, settings)
        session.execute(insert(MissedReportScan).values(case_id=case.id)
                        .on_conflict_do_nothing())
    return found


def _scan_case(session: Session, case: Any, patrol_settings: PatrolSettings,
               settings: MissedSettings) -> int:
    since = case.created_at - settings.window
    closest: dict[int, tuple[float, datetime, int]] = {}  # worker → (metres, when, patrol)
    for (patrol_id,) in session.execute(PATROLS_NEAR_SQL, {
            "cell_id": case.grid_id, "reporter_id": case.reporter_id,
            "reported_at": case.created_at, "since": since}):
        patrol = session.get(Patrol, patrol_id)
        analysis = patrols.analyse(session, patrol, patrol_settings)
        for segment in analysis.segments:
            if segment.kind is not track.SegmentKind.walk:
                continue
            for fix in (segment.start, segment.end):
                if not since <= fix.t <= case.created_at:
                    continue
                metres = track.metres(fix.lon, fix.lat, case.lon, case.lat)
                best = closest.get(patrol.worker_id)
                if metres <= settings.radius_m and (best is None or metres < best[0]):
                    closest[patrol.worker_id] = (metres, fix.t, patrol.id)
    for worker_id, (metres, passed_at, patrol_id) in closest.items():
        session.execute(insert(MissedReport).values(
            case_id=case.id, worker_id=worker_id, patrol_id=patrol_id, passed_at=passed_at,
            distance_m=round(metres, 1)).on_conflict_do_nothing())
    return len(closest)


def _supervises(principal: Principal, area_path: str) -> bool:
    return principal.has(Role.admin) or (
        principal.has(Role.supervisor) and principal.area_path is not None
        and area_path.startswith(principal.area_path))


def candidates_query(principal: Principal, *, status: str | None) -> Select:
    """Missed reports of cases in the principal's area, newest first."""
    query = select(MissedReport, Case).join(Case, Case.id == MissedReport.case_id)
    if not principal.has(Role.admin):
        query = query.where(Case.area_path.startswith(principal.area_path or "\x00"))
    if status:
        query = query.where(MissedReport.status == status)
    return query.order_by(MissedReport.id.desc())


def get_missed(session: Session, principal: Principal, missed_id: int, *,
               for_update: bool = False) -> tuple[MissedReport, Case]:
    """Raises NotFound (none, or not in the principal's area)."""
    query = select(MissedReport).where(MissedReport.id == missed_id)
    missed = session.execute(query.with_for_update() if for_update else query).scalar()
    case = session.get(Case, missed.case_id) if missed else None
    if missed is None or not _supervises(principal, case.area_path):
        raise NotFound
    return missed, case


def decide(session: Session, principal: Principal, missed_id: int, *, confirm: bool,
           note: str | None) -> tuple[MissedReport, Case]:
    """Confirm (it counts) or dismiss a candidate. Raises NotFound, Conflict (decided)."""
    missed, case = get_missed(session, principal, missed_id, for_update=True)
    if missed.status != "candidate":
        raise Conflict("missed_report_decided")
    missed.status = "confirmed" if confirm else "dismissed"
    missed.decided_by, missed.decided_at = principal.user_id, datetime.now(UTC)
    missed.note = note
    return missed, case


def describe(session: Session, missed: MissedReport, case: Case, *,
             evidence: bool = False) -> dict[str, Any]:
    """A candidate with its case; with ``evidence``, the worker's track around the moment
    they passed, and the case's point, side by side (GeoJSON)."""
    worker = session.get(User, missed.worker_id)
    lon, lat = session.execute(select(func.ST_X(Case.location), func.ST_Y(Case.location))
                               .where(Case.id == case.id)).one()
    described = {
        "id": missed.id, "status": missed.status, "distance_m": missed.distance_m,
        "passed_at": missed.passed_at, "patrol_id": missed.patrol_id,
        "worker": {"id": worker.id, "display_name": worker.display_name},
        "case": {"id": case.id, "code": case.code, "status": case.status.value,
                 "created_at": case.created_at, "description": case.description,
                 "location": {"type": "Point", "coordinates": [lon, lat]}},
        "decided_at": missed.decided_at, "note": missed.note}
    if evidence:
        described["evidence"] = _evidence(session, missed, lon, lat)
    return described


def _evidence(session: Session, missed: MissedReport, lon: float, lat: float) -> dict:
    rows = session.execute(text("""
        SELECT t AS at, ST_X(geom) AS lon, ST_Y(geom) AS lat FROM patrol_fixes
        WHERE patrol_id = :patrol_id AND t BETWEEN :since AND :until ORDER BY t"""), {
        "patrol_id": missed.patrol_id, "since": missed.passed_at - EVIDENCE_SPAN,
        "until": missed.passed_at + EVIDENCE_SPAN}).all()
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                 "properties": {"kind": "case"}}]
    if len(rows) > 1:
        features.append({"type": "Feature", "geometry": {
            "type": "LineString", "coordinates": [[row.lon, row.lat] for row in rows]},
            "properties": {"kind": "track", "from": rows[0].at.isoformat(),
                           "to": rows[-1].at.isoformat()}})
    return {"type": "FeatureCollection", "features": features}


RATE_SQL = text("""
    WITH own AS (
        SELECT g.user_id, g.area_id FROM grid_assignments g JOIN areas a ON a.id = g.area_id
        WHERE a.valid_to IS NULL AND a.path LIKE :path || '%'),
    registered AS (
        SELECT own.user_id, count(*) AS cases FROM own
        JOIN cases c ON c.grid_id = own.area_id
        WHERE c.registered_at >= :since AND c.registered_at < :until
        GROUP BY own.user_id),
    missed AS (
        SELECT m.worker_id, count(*) FILTER (WHERE m.status = 'confirmed') AS confirmed,
               count(*) FILTER (WHERE m.status = 'candidate') AS pending
        FROM missed_reports m JOIN cases c ON c.id = m.case_id
        WHERE c.registered_at >= :since AND c.registered_at < :until
        GROUP BY m.worker_id)
    SELECT u.id, u.display_name, coalesce(registered.cases, 0) AS registered,
           coalesce(missed.confirmed, 0) AS confirmed, coalesce(missed.pending, 0) AS pending
    FROM (SELECT DISTINCT user_id FROM own) w JOIN users u ON u.id = w.user_id
    LEFT JOIN registered ON registered.user_id = u.id
    LEFT JOIN missed ON missed.worker_id = u.id
    ORDER BY u.id
""")


def rates(session: Session, path: str, first: date, last: date,
          zone: tzinfo) -> list[dict[str, Any]]:
    """漏报率 per grid worker with cells under ``path``: confirmed missed reports over the
    cases registered in the worker's cells, both counted by registration day.

    Raises ValidationFailed (a backwards or too long range)."""
    if last < first or (last - first).days >= MAX_DAYS:
        raise ValidationFailed(errors={"to": [f"At most {MAX_DAYS} days, not before from."]})
    since = datetime.combine(first, time(), zone)
    until = datetime.combine(last + timedelta(days=1), time(), zone)
    return [{"worker": {"id": row.id, "display_name": row.display_name},
             "registered_cases": row.registered, "confirmed_missed": row.confirmed,
             "pending_candidates": row.pending,
             "missed_rate": round(row.confirmed / row.registered, 4)
             if row.registered else None}
            for row in session.execute(RATE_SQL, {"path": path, "since": since,
                                                  "until": until})]
