"""Watch areas: a resident hears of new public cases and of closures in their community or
street, or within a circle, optionally only of some category groups, at once or in a daily
digest — never twice for one case, never about their own report. The fan-out to watchers is
one statement, whatever their number."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from geoalchemy2.shape import to_shape
from sqlalchemy import Select, delete, func, select, text
from sqlalchemy.orm import Session

from geo import queries
from geo.levels import AreaLevel
from grid_api.errors import BusinessRuleViolation, NotFound, ValidationFailed
from grid_api.infra import outbox
from grid_api.notifications.inbox import PUSH_BATCH
from models.area import Area, path_ids
from models.case import Case
from models.category import Category
from models.outbox import Topic
from models.watch import WatchArea

WATCHABLE_LEVELS = (AreaLevel.street, AreaLevel.community, AreaLevel.grid)
NEW, CLOSED = "new", "closed"
NOTIFICATION_KIND = {NEW: "watch_new_case", CLOSED: "watch_case_closed"}


@dataclass(frozen=True)
class WatchLimits:
    areas_per_user: int
    radius_max_m: int


def _category_groups(session: Session, groups: list[str]) -> list[str]:
    """Raises ValidationFailed (unknown_category_group)."""
    wanted = sorted(set(groups))
    known = set(session.execute(select(Category.code).where(
        Category.code.in_(wanted), Category.parent_id.is_(None))).scalars())
    if unknown := [code for code in wanted if code not in known]:
        raise ValidationFailed("unknown_category_group", params={"codes": ", ".join(unknown)},
                               errors={"category_groups": [f"Unknown: {', '.join(unknown)}"]})
    return wanted


def _watchable_area(session: Session, area_id: int) -> Area:
    area = session.get(Area, area_id)
    if area is None or area.valid_to is not None:
        raise ValidationFailed(errors={"area_id": ["No such area."]})
    if area.level not in WATCHABLE_LEVELS:
        raise BusinessRuleViolation("area_too_large_to_watch",
                                    errors={"area_id": ["A street, community or grid cell."]})
    return area


def create_watch_area(session: Session, user_id: int, limits: WatchLimits, *,
                      area_id: int | None = None, center: tuple[float, float] | None = None,
                      radius_m: int | None = None, category_groups: list[str] | None = None,
                      daily_digest: bool = False) -> WatchArea:
    """Raises ValidationFailed (neither or both of an area and a circle, no such area,
    unknown_category_group), BusinessRuleViolation (too_many_watch_areas,
    watch_circle_too_large, area_too_large_to_watch)."""
    if (area_id is None) == (center is None):
        raise ValidationFailed(errors={"area_id": ["Give an area or a circle, not both."]})
    # Serialise one user's concurrent requests, so the limit holds under retries.
    session.execute(select(func.pg_advisory_xact_lock(user_id)))
    count = session.execute(select(func.count()).where(WatchArea.user_id == user_id)).scalar()
    if count >= limits.areas_per_user:
        raise BusinessRuleViolation("too_many_watch_areas", params={"limit": limits.areas_per_user})
    groups = _category_groups(session, category_groups or [])
    watch = WatchArea(user_id=user_id, category_groups=groups, daily_digest=daily_digest)
    if area_id is not None:
        watch.area_id = _watchable_area(session, area_id).id
    else:
        if radius_m is None or radius_m > limits.radius_max_m:
            raise BusinessRuleViolation("watch_circle_too_large",
                                        params={"limit": limits.radius_max_m},
                                        errors={"radius_m": [f"At most {limits.radius_max_m}."]})
        watch.center = func.Geography(queries.point(*center))
        watch.radius_m = radius_m
    session.add(watch)
    session.flush()  # its id, for the answer
    return watch


def watch_areas_query(user_id: int) -> Select:
    return select(WatchArea).where(WatchArea.user_id == user_id).order_by(WatchArea.id)


def delete_watch_area(session: Session, user_id: int, watch_id: int) -> None:
    """Raises NotFound (also for someone else's)."""
    deleted = session.execute(delete(WatchArea).where(
        WatchArea.id == watch_id, WatchArea.user_id == user_id).returning(WatchArea.id)).first()
    if deleted is None:
        raise NotFound


def describe_watch_area(session: Session, watch: WatchArea) -> dict[str, Any]:
    area = session.get(Area, watch.area_id) if watch.area_id else None
    circle = None
    if watch.center is not None:
        point = to_shape(watch.center)
        circle = {"center": {"type": "Point", "coordinates": [point.x, point.y]},
                  "radius_m": watch.radius_m}
    return {"id": watch.id, "area": {"id": area.id, "code": area.code, "name": area.name,
                                     "level": area.level.value} if area else None,
            "circle": circle, "category_groups": list(watch.category_groups),
            "daily_digest": watch.daily_digest, "created_at": watch.created_at}


# Every watcher of the case, once each (a watcher of two matching areas too), minus its
# reporter and its followers (they hear of it already); instant ones get their inbox
# message in the same statement, digest ones wait in watch_notices for the daily digest.
FAN_OUT = text("""
    WITH c AS (
        SELECT cs.id, cs.reporter_id, CAST(cs.public_location AS geography) AS here,
               major.code AS major
        FROM cases cs
        JOIN categories cat ON cat.id = cs.category_id
        LEFT JOIN categories major ON major.id = cat.parent_id
        WHERE cs.id = :case_id
    ), matched AS (
        SELECT w.user_id, w.daily_digest, w.category_groups FROM watch_areas w
        WHERE w.area_id = ANY(CAST(:area_ids AS bigint[]))
        UNION ALL
        SELECT w.user_id, w.daily_digest, w.category_groups FROM watch_areas w, c
        WHERE ST_DWithin(w.center, c.here, :radius_max) AND ST_DWithin(w.center, c.here, w.radius_m)
    ), watchers AS (
        SELECT m.user_id, bool_and(m.daily_digest) AS daily_digest
        FROM matched m, c
        WHERE (cardinality(m.category_groups) = 0 OR c.major = ANY(m.category_groups))
          AND m.user_id <> c.reporter_id
          AND NOT EXISTS (SELECT 1 FROM case_followers f
                          WHERE f.case_id = c.id AND f.user_id = m.user_id)
        GROUP BY m.user_id
    ), noticed AS (
        INSERT INTO watch_notices (user_id, case_id, kind, daily_digest)
        SELECT user_id, :case_id, :kind, daily_digest FROM watchers
        ON CONFLICT DO NOTHING
        RETURNING user_id, daily_digest
    )
    INSERT INTO notifications (user_id, case_id, kind, params)
    SELECT user_id, :case_id, :notification_kind, CAST(:params AS jsonb)
    FROM noticed WHERE NOT daily_digest
    RETURNING id
""")


def _push(session: Session, ids: list[int]) -> None:
    outbox.add_many(session, Topic.push_notification, [
        {"notification_ids": ids[start:start + PUSH_BATCH]}
        for start in range(0, len(ids), PUSH_BATCH)])


def fan_out(session: Session, case_id: int, kind: str) -> int:
    """Tell the case's watchers (instant ones now, with a push; digest ones later); returns
    how many were told now. Idempotent: a watcher hears of a case once per kind."""
    case = session.execute(select(Case.code, Case.area_path).where(Case.id == case_id)).first()
    if case is None:
        return 0
    # The widest circle stored bounds the index search (the limit may have been lowered).
    radius_max_m = session.execute(select(func.max(WatchArea.radius_m))).scalar() or 0
    ids = list(session.execute(FAN_OUT, {
        "case_id": case_id, "kind": kind, "area_ids": path_ids(case.area_path),
        "radius_max": radius_max_m, "notification_kind": NOTIFICATION_KIND[kind],
        "params": json.dumps({"code": case.code}, ensure_ascii=False)}).scalars())
    _push(session, ids)
    return len(ids)


DIGEST_CODES = 10  # case codes named in a digest; the count says the rest
DIGEST = text("""
    WITH due AS (
        SELECT user_id, case_id, kind FROM watch_notices
        WHERE daily_digest AND digested_at IS NULL AND created_at < :cutoff
        FOR UPDATE SKIP LOCKED
    ), marked AS (
        UPDATE watch_notices n SET digested_at = now() FROM due
        WHERE (n.user_id, n.case_id, n.kind) = (due.user_id, due.case_id, due.kind)
        RETURNING n.user_id, n.case_id, n.kind
    ), per_user AS (
        SELECT m.user_id, count(DISTINCT m.case_id) AS cases,
               count(*) FILTER (WHERE m.kind = 'new') AS new,
               count(*) FILTER (WHERE m.kind = 'closed') AS closed,
               array_agg(DISTINCT c.code ORDER BY c.code) AS codes
        FROM marked m JOIN cases c ON c.id = m.case_id
        GROUP BY m.user_id
    )
    INSERT INTO notifications (user_id, case_id, kind, params)
    SELECT user_id, NULL, 'watch_digest', jsonb_build_object(
        'count', cases, 'new', new, 'closed', closed,
        'codes', array_to_string(codes[1:CAST(:shown AS int)], '、')
                 || CASE WHEN cases > CAST(:shown AS int) THEN '…' ELSE '' END)
    FROM per_user
    RETURNING id
""")


def digest_cutoff(now: datetime, timezone: str, hour: int) -> datetime:
    """Notices before this go into the digest: those of past days, once today's digest
    hour has come (before it, those of the days before yesterday only)."""
    local = now.astimezone(ZoneInfo(timezone))
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight if local.hour >= hour else midnight - timedelta(days=1)


def send_digests(session: Session, cutoff: datetime) -> int:
    """One inbox message (and push) per digest watcher, holding each case of their past
    days once; returns how many were sent."""
    ids = list(session.execute(DIGEST, {"cutoff": cutoff, "shown": DIGEST_CODES}).scalars())
    _push(session, ids)
    return len(ids)
