"""Patrols: start, receive batches of GPS fixes (resent or out of order), finish, measure.

The fixes are stored as sent (in WGS-84); what they prove — walking length, riding,
time in each cell per day — is measured by ``geo.track`` when the patrol finishes (and
again if fixes of it arrive later), and kept in ``patrol_cell_days`` for coverage.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from geo import track
from geo.crs import to_wgs84
from grid_api.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from grid_api.fieldwork import policy
from grid_api.identity.principal import Principal
from models.area import Area
from models.patrol import Patrol, PatrolCellDay
from models.user import Role, User

MAX_FIXES_PER_BATCH = 500
FUTURE_SKEW = timedelta(minutes=10)  # phones' clocks run fast; more is a mistake


@dataclass(frozen=True)
class PatrolSettings:
    rules: track.TrackRules
    zone: tzinfo
    idle: timedelta  # an open patrol this long without a word from the phone is finished
    retention: timedelta  # raw fixes are kept this long after the finish


def patrol_settings_from(settings: Any) -> PatrolSettings:
    """The patrol services' view of ``grid_api.config.Settings``."""
    return PatrolSettings(
        rules=track.TrackRules(max_accuracy_m=settings.patrol_max_accuracy_m,
                               max_walk_speed_mps=settings.patrol_max_walk_speed_kmh / 3.6),
        zone=ZoneInfo(settings.timezone),
        idle=timedelta(minutes=settings.patrol_idle_minutes),
        retention=timedelta(days=settings.track_retention_days))


def _not_future(when: datetime, now: datetime, field: str) -> None:
    if when > now + FUTURE_SKEW:
        raise ValidationFailed(errors={field: ["Must not be in the future."]})


def start_patrol(session: Session, principal: Principal, *,
                 started_at: datetime | None = None,
                 client_ref: str | None = None) -> tuple[Patrol, bool]:
    """Open a patrol for the signed-in grid worker; returns (patrol, created). A patrol
    still open is finished first, at its last fix. A start resent with the same
    ``client_ref`` returns the patrol it opened.

    Raises PermissionDenied (not a grid worker), ValidationFailed (start in the future),
    Conflict (another start won a race).
    """
    if not principal.has(Role.grid_worker):
        raise PermissionDenied("grid_workers_only")
    now = datetime.now(UTC)
    started_at = started_at or now
    _not_future(started_at, now, "started_at")
    if client_ref is not None and (known := find_by_client_ref(session, principal, client_ref)):
        return known, False
    for previous in session.execute(select(Patrol).where(
            Patrol.worker_id == principal.user_id, Patrol.finished_at.is_(None))
            .with_for_update()).scalars():
        _close(previous, at=min(started_at, previous.last_fix_at or previous.started_at),
               by="system")
    patrol = Patrol(worker_id=principal.user_id, client_ref=client_ref, started_at=started_at,
                    last_activity_at=now, excluded={})
    try:
        with session.begin_nested():
            session.add(patrol)
            session.flush()  # the id is in the answer
    except IntegrityError as exc:  # a concurrent start of the same patrol or another one
        if client_ref is not None and (known := find_by_client_ref(session, principal, client_ref)):
            return known, False
        raise Conflict("patrol_already_open") from exc
    return patrol, True


def find_by_client_ref(session: Session, principal: Principal,
                       client_ref: str) -> Patrol | None:
    """The worker's patrol with this phone-made id, if any."""
    return session.execute(select(Patrol).where(
        Patrol.worker_id == principal.user_id, Patrol.client_ref == client_ref)).scalar()


def _close(patrol: Patrol, *, at: datetime, by: str) -> None:
    patrol.finished_at, patrol.finished_by = max(at, patrol.started_at), by


def get_patrol(session: Session, principal: Principal, patrol_id: int, *,
               for_update: bool = False) -> Patrol:
    """The patrol if the principal may see its track; NotFound otherwise."""
    query = select(Patrol).where(Patrol.id == patrol_id)
    if for_update:
        query = query.with_for_update(key_share=True)
    patrol = session.execute(query).scalar()
    if patrol is None or not policy.can_view_track(session, principal, patrol.worker_id):
        raise NotFound
    return patrol


def _own_patrol(session: Session, principal: Principal, patrol_id: int) -> Patrol:
    patrol = get_patrol(session, principal, patrol_id, for_update=True)
    if patrol.worker_id != principal.user_id:
        raise PermissionDenied("not_your_patrol")
    if patrol.track_purged_at is not None:
        raise Conflict("patrol_track_purged")
    return patrol


INSERT_FIXES_SQL = text("""
    INSERT INTO patrol_fixes (patrol_id, t, geom, accuracy_m, speed_mps)
    SELECT :patrol_id, f.t, ST_SetSRID(ST_MakePoint(f.lon, f.lat), 4326), f.accuracy, f.speed
    FROM unnest(CAST(:ts AS timestamptz[]), CAST(:lons AS float8[]), CAST(:lats AS float8[]),
                CAST(:accuracies AS float4[]), CAST(:speeds AS float4[]))
         AS f(t, lon, lat, accuracy, speed)
    ON CONFLICT (patrol_id, t) DO NOTHING
    RETURNING t
""")


def add_fixes(session: Session, principal: Principal, patrol_id: int,
              fixes: list[dict[str, Any]], settings: PatrolSettings) -> dict[str, int]:
    """Store a batch of fixes; one already stored for the same instant is left as it was.
    Fixes outside the patrol's time are kept but measure nothing.

    Raises NotFound, PermissionDenied (someone else's patrol), Conflict (track purged),
    ValidationFailed (a fix from the future: nothing of the batch is stored).
    """
    now = datetime.now(UTC)
    future = {str(i): {"t": ["Must not be in the future."]}
              for i, fix in enumerate(fixes) if fix["t"] > now + FUTURE_SKEW}
    if future:
        raise ValidationFailed(errors={"fixes": future})
    patrol = _own_patrol(session, principal, patrol_id)
    points = [to_wgs84(fix["lon"], fix["lat"], fix["crs"]) for fix in fixes]
    stored = session.execute(INSERT_FIXES_SQL, {
        "patrol_id": patrol.id, "ts": [fix["t"] for fix in fixes],
        "lons": [lon for lon, _ in points], "lats": [lat for _, lat in points],
        "accuracies": [fix["accuracy_m"] for fix in fixes],
        "speeds": [fix.get("speed_mps") for fix in fixes]}).scalars().all()
    end = patrol.finished_at or now + FUTURE_SKEW
    outside = sum(1 for fix in fixes if not patrol.started_at <= fix["t"] <= end)
    patrol.last_activity_at = now
    if stored:
        patrol.fix_count += len(stored)
        latest = max(stored)
        patrol.last_fix_at = max(latest, patrol.last_fix_at or latest)
        if patrol.finished_at is not None:  # late fixes of a finished patrol: measure again
            measure(session, patrol, settings)
    return {"received": len(fixes), "stored": len(stored),
            "duplicates": len(fixes) - len(stored), "outside_patrol": outside}


def finish_patrol(session: Session, principal: Principal, patrol_id: int,
                  settings: PatrolSettings, *, finished_at: datetime | None = None) -> Patrol:
    """Finish the worker's patrol and measure it; finishing it again changes nothing.

    Raises NotFound, PermissionDenied, Conflict (track purged), ValidationFailed.
    """
    now = datetime.now(UTC)
    finished_at = finished_at or now
    _not_future(finished_at, now, "finished_at")
    patrol = _own_patrol(session, principal, patrol_id)
    if patrol.finished_at is not None:
        return patrol
    if finished_at < patrol.started_at:
        raise ValidationFailed(errors={"finished_at": ["Must not be before the start."]})
    _close(patrol, at=finished_at, by="worker")
    patrol.last_activity_at = now
    measure(session, patrol, settings)
    return patrol


# Each fix in its cell by the rule every placement follows (lowest code wins an overlap).
FIXES_WITH_CELLS_SQL = text("""
    SELECT f.t AS at, ST_X(f.geom) AS lon, ST_Y(f.geom) AS lat, f.accuracy_m, f.speed_mps,
           cell.id AS cell_id
    FROM patrol_fixes f
    LEFT JOIN LATERAL (SELECT id FROM areas
                       WHERE level = 'grid' AND valid_to IS NULL AND ST_Covers(geom, f.geom)
                       ORDER BY code LIMIT 1) AS cell ON true
    WHERE f.patrol_id = :patrol_id
    ORDER BY f.t
""")


def analyse(session: Session, patrol: Patrol, settings: PatrolSettings) -> track.TrackAnalysis:
    """Read the patrol's fixes, each placed in its cell, and measure them."""
    fixes = [track.Fix(row.at, row.lon, row.lat, row.accuracy_m, row.speed_mps, row.cell_id)
             for row in session.execute(FIXES_WITH_CELLS_SQL, {"patrol_id": patrol.id})]
    end = patrol.finished_at or datetime.now(UTC)
    return track.analyse(fixes, start=patrol.started_at, end=end, rules=settings.rules,
                         zone=settings.zone)


def measure(session: Session, patrol: Patrol, settings: PatrolSettings) -> track.TrackAnalysis:
    """Measure a finished patrol and keep the measures and its time per cell and day."""
    analysis = analyse(session, patrol, settings)
    _, walking = analysis.total(track.SegmentKind.walk)
    vehicle_m, vehicle_s = analysis.total(track.SegmentKind.vehicle)
    _, gaps = analysis.total(track.SegmentKind.gap)
    patrol.walked_m, patrol.walking_seconds = round(analysis.walked_m, 1), round(walking)
    patrol.vehicle_m, patrol.vehicle_seconds = round(vehicle_m, 1), round(vehicle_s)
    patrol.gap_seconds, patrol.excluded = round(gaps), dict(analysis.excluded)
    session.execute(delete(PatrolCellDay).where(PatrolCellDay.patrol_id == patrol.id))
    if analysis.visits:
        session.execute(insert(PatrolCellDay), [
            {"patrol_id": patrol.id, "cell_id": visit.cell_id, "day": visit.day,
             "worker_id": patrol.worker_id, "seconds": round(visit.seconds),
             "first_at": visit.first_at, "last_at": visit.last_at}
            for visit in analysis.visits])
    return analysis


def finish_idle(session: Session, settings: PatrolSettings, *, batch: int = 200) -> int:
    """Finish open patrols the phone has been silent about for too long, at their last
    fix; returns how many. Patrols another sweeper holds are skipped."""
    quiet_since = datetime.now(UTC) - settings.idle
    idle = session.execute(select(Patrol).where(
        Patrol.finished_at.is_(None), Patrol.last_activity_at < quiet_since)
        .order_by(Patrol.last_activity_at).limit(batch)
        .with_for_update(skip_locked=True)).scalars().all()
    for patrol in idle:
        _close(patrol, at=patrol.last_fix_at or patrol.started_at, by="system")
        measure(session, patrol, settings)
    return len(idle)


PURGE_SQL = text("""
    WITH old AS (
        SELECT id FROM patrols
        WHERE finished_at < :before AND track_purged_at IS NULL
        ORDER BY finished_at LIMIT :batch FOR UPDATE SKIP LOCKED),
    gone AS (DELETE FROM patrol_fixes f USING old WHERE f.patrol_id = old.id)
    UPDATE patrols p SET track_purged_at = now() FROM old WHERE p.id = old.id
    RETURNING p.id
""")


def purge_tracks(session: Session, settings: PatrolSettings, *, batch: int = 500) -> int:
    """Delete the raw fixes of patrols finished longer ago than the retention; their
    measures and time per cell stay. Returns how many patrols lost their track."""
    before = datetime.now(UTC) - settings.retention
    return len(session.execute(PURGE_SQL, {"before": before, "batch": batch}).all())


def describe_patrol(session: Session, principal: Principal, patrol: Patrol,
                    settings: PatrolSettings) -> dict[str, Any]:
    """The patrol with its measures, the cells it visited and its track as GeoJSON (the
    track is gone once purged; the measures stay)."""
    analysis = None if patrol.track_purged_at else analyse(session, patrol, settings)
    if analysis is not None and patrol.is_open:
        visits = [(v.cell_id, v.seconds, v.first_at, v.last_at) for v in analysis.visits]
    else:
        visits = [tuple(row) for row in session.execute(
            select(PatrolCellDay.cell_id, PatrolCellDay.seconds, PatrolCellDay.first_at,
                   PatrolCellDay.last_at).where(PatrolCellDay.patrol_id == patrol.id))]
    end = patrol.finished_at or datetime.now(UTC)
    worker = session.get(User, patrol.worker_id)
    described = {
        "id": patrol.id, "client_ref": patrol.client_ref,
        "worker": {"id": worker.id, "display_name": worker.display_name},
        "status": "open" if patrol.is_open else "finished",
        "started_at": patrol.started_at, "finished_at": patrol.finished_at,
        "finished_by": patrol.finished_by,
        "duration_seconds": round((end - patrol.started_at).total_seconds()),
        "fix_count": patrol.fix_count, "track_purged_at": patrol.track_purged_at,
        "cells": _cells(session, patrol.worker_id, visits),
    }
    if analysis is not None:
        walk_s = analysis.total(track.SegmentKind.walk)[1]
        vehicle_m, vehicle_s = analysis.total(track.SegmentKind.vehicle)
        described |= {
            "walked_m": round(analysis.walked_m, 1), "walking_seconds": round(walk_s),
            "vehicle_m": round(vehicle_m, 1), "vehicle_seconds": round(vehicle_s),
            "gap_seconds": round(analysis.total(track.SegmentKind.gap)[1]),
            "excluded": dict(analysis.excluded), "track": track_geojson(analysis)}
    else:
        described |= {
            "walked_m": patrol.walked_m, "walking_seconds": patrol.walking_seconds,
            "vehicle_m": patrol.vehicle_m, "vehicle_seconds": patrol.vehicle_seconds,
            "gap_seconds": patrol.gap_seconds, "excluded": patrol.excluded, "track": None}
    return described


def _cells(session: Session, worker_id: int, visits: list[tuple]) -> list[dict[str, Any]]:
    """Time per visited cell (days added up), longest first, marking the worker's own."""
    totals: dict[int, dict[str, Any]] = {}
    for cell_id, seconds, first_at, last_at in visits:
        cell = totals.setdefault(cell_id, {"seconds": 0, "first_at": first_at,
                                           "last_at": last_at})
        cell["seconds"] += seconds
        cell["first_at"], cell["last_at"] = min(cell["first_at"], first_at), max(
            cell["last_at"], last_at)
    if not totals:
        return []
    own = policy.worker_cell_ids(session, worker_id)
    names = {row.id: row for row in session.execute(
        select(Area.id, Area.code, Area.name).where(Area.id.in_(totals)))}
    return sorted(({"id": cell_id, "code": names[cell_id].code, "name": names[cell_id].name,
                    "seconds": round(cell["seconds"]), "first_at": cell["first_at"],
                    "last_at": cell["last_at"], "own": cell_id in own}
                   for cell_id, cell in totals.items()),
                  key=lambda cell: (-cell["seconds"], cell["code"]))


def track_geojson(analysis: track.TrackAnalysis) -> dict[str, Any]:
    """The track as a FeatureCollection: one LineString per stretch of walking, riding or
    lost signal, and the fixes left out of the measures as MultiPoints by reason."""
    features = []
    for run in analysis.runs():
        fixes = [run[0].start, *(segment.end for segment in run)]
        features.append({"type": "Feature", "geometry": {
            "type": "LineString", "coordinates": [[fix.lon, fix.lat] for fix in fixes]},
            "properties": {"kind": run[0].kind.value, "from": fixes[0].t.isoformat(),
                           "to": fixes[-1].t.isoformat(),
                           "metres": round(sum(s.distance_m for s in run), 1),
                           "seconds": round((fixes[-1].t - fixes[0].t).total_seconds())}})
    for reason, fixes in sorted(analysis.excluded_fixes.items()):
        features.append({"type": "Feature", "geometry": {
            "type": "MultiPoint", "coordinates": [[fix.lon, fix.lat] for fix in fixes]},
            "properties": {"kind": "excluded", "reason": reason, "count": len(fixes)}})
    return {"type": "FeatureCollection", "features": features}
