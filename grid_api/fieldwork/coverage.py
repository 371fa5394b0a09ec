"""Patrol coverage: which cells were walked, by whom and how long, per day; each worker's
kilometres, hours and share of own cells; cells nobody visited lately; a vector tile of
cells coloured by their last visit. Read from the per-cell daily aggregates only, which
outlive the raw tracks."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from grid_api.errors import NotFound, PermissionDenied, ValidationFailed
from grid_api.geography.tiles import check_tile_address
from grid_api.identity.principal import Principal
from models.user import Role

MAX_DAYS = 366

AREA_PATH_SQL = text("SELECT path FROM areas WHERE id = :area_id")


def scope_path(session: Session, principal: Principal, area_id: int) -> str:
    """The path of an area the principal may read statistics of.

    Raises NotFound (no such area), PermissionDenied (outside a supervisor's area)."""
    path = session.execute(AREA_PATH_SQL, {"area_id": area_id}).scalar()
    if path is None:
        raise NotFound
    if not principal.has(Role.admin) and not (
            principal.area_path is not None and path.startswith(principal.area_path)):
        raise PermissionDenied("outside_your_area")
    return path


CELLS_DAY_SQL = text("""
    SELECT a.id, a.code, a.name, coalesce(sum(v.seconds), 0) AS seconds,
           coalesce(json_agg(json_build_object('id', u.id, 'display_name', u.display_name,
                                               'seconds', v.seconds) ORDER BY u.id)
                    FILTER (WHERE v.worker_id IS NOT NULL), '[]') AS workers
    FROM areas a
    LEFT JOIN (SELECT cell_id, worker_id, sum(seconds) AS seconds FROM patrol_cell_days
               WHERE day = :day GROUP BY cell_id, worker_id) v ON v.cell_id = a.id
    LEFT JOIN users u ON u.id = v.worker_id
    WHERE a.level = 'grid' AND a.valid_to IS NULL AND a.path LIKE :path || '%'
      AND a.code > :after
    GROUP BY a.id, a.code, a.name
    ORDER BY a.code
    LIMIT :limit
""")


def cells_on(session: Session, path: str, day: date, *, limit: int,
             after: str = "") -> list[dict[str, Any]]:
    """Every current cell under ``path`` (by code, after ``after``): walked that day or
    not, for how long, by whom."""
    return [{"id": row.id, "code": row.code, "name": row.name, "visited": row.seconds > 0,
             "seconds": int(row.seconds), "workers": row.workers}
            for row in session.execute(CELLS_DAY_SQL, {"day": day, "path": path,
                                                       "after": after, "limit": limit})]


UNVISITED_SQL = text("""
    SELECT a.id, a.code, a.name, max(d.day) AS last_visit
    FROM areas a LEFT JOIN patrol_cell_days d ON d.cell_id = a.id
    WHERE a.level = 'grid' AND a.valid_to IS NULL AND a.path LIKE :path || '%'
      AND a.code > :after
    GROUP BY a.id, a.code, a.name
    HAVING max(d.day) IS NULL OR max(d.day) < :since
    ORDER BY a.code
    LIMIT :limit
""")


def unvisited(session: Session, path: str, *, today: date, days: int, limit: int,
              after: str = "") -> list[dict[str, Any]]:
    """Current cells under ``path`` nobody walked in the last ``days`` days (today
    included), with the day each was last walked (None: never)."""
    since = today - timedelta(days=days - 1)
    return [{"id": row.id, "code": row.code, "name": row.name, "last_visit": row.last_visit,
             "days_since_visit": (today - row.last_visit).days if row.last_visit else None}
            for row in session.execute(UNVISITED_SQL, {"path": path, "since": since,
                                                       "after": after, "limit": limit})]


WORKERS_SQL = text("""
    WITH own AS (
        SELECT g.user_id, g.area_id FROM grid_assignments g JOIN areas a ON a.id = g.area_id
        WHERE a.valid_to IS NULL),
    workers AS (
        SELECT DISTINCT own.user_id FROM own JOIN areas a ON a.id = own.area_id
        WHERE a.path LIKE :path || '%'),
    walks AS (
        SELECT p.worker_id, count(*) AS patrols, coalesce(sum(p.walked_m), 0) AS walked_m,
               coalesce(sum(p.walking_seconds), 0) AS walking_seconds
        FROM patrols p JOIN workers w ON w.user_id = p.worker_id
        WHERE p.started_at >= :since AND p.started_at < :until
        GROUP BY p.worker_id),
    visited AS (
        SELECT d.worker_id, count(DISTINCT d.cell_id) AS cells
        FROM patrol_cell_days d
        JOIN own ON own.user_id = d.worker_id AND own.area_id = d.cell_id
        WHERE d.day BETWEEN :first AND :last
        GROUP BY d.worker_id),
    reports AS (
        SELECT c.reporter_id, count(*) AS reports
        FROM cases c JOIN workers w ON w.user_id = c.reporter_id
        WHERE c.created_at >= :since AND c.created_at < :until
        GROUP BY c.reporter_id)
    SELECT u.id, u.display_name,
           (SELECT count(*) FROM own WHERE own.user_id = u.id) AS own_cells,
           coalesce(visited.cells, 0) AS own_cells_visited,
           coalesce(walks.patrols, 0) AS patrols, coalesce(walks.walked_m, 0) AS walked_m,
           coalesce(walks.walking_seconds, 0) AS walking_seconds,
           coalesce(reports.reports, 0) AS reports
    FROM workers w JOIN users u ON u.id = w.user_id
    LEFT JOIN walks ON walks.worker_id = u.id
    LEFT JOIN visited ON visited.worker_id = u.id
    LEFT JOIN reports ON reports.reporter_id = u.id
    ORDER BY u.id
""")


def workers(session: Session, path: str, first: date, last: date,
            zone: tzinfo) -> list[dict[str, Any]]:
    """Each grid worker with a cell under ``path``, over local days ``first``–``last``:
    km walked, hours walking, patrols, share of own cells walked, reports per km.

    Raises ValidationFailed (a backwards or too long range)."""
    if last < first or (last - first).days >= MAX_DAYS:
        raise ValidationFailed(errors={"to": [f"At most {MAX_DAYS} days, not before from."]})
    since = datetime.combine(first, time(), zone)
    until = datetime.combine(last + timedelta(days=1), time(), zone)
    items = []
    for row in session.execute(WORKERS_SQL, {"path": path, "first": first, "last": last,
                                             "since": since, "until": until}):
        km = row.walked_m / 1000
        items.append({
            "worker": {"id": row.id, "display_name": row.display_name},
            "patrols": row.patrols, "km": round(km, 3),
            "hours": round(row.walking_seconds / 3600, 2), "own_cells": row.own_cells,
            "own_cells_visited": row.own_cells_visited,
            "own_cells_visited_share": round(row.own_cells_visited / row.own_cells, 4)
            if row.own_cells else None,
            "reports": row.reports,
            "reports_per_km": round(row.reports / km, 3) if km > 0 else None})
    return items


TILE_SQL = text("""
    WITH bounds AS (SELECT ST_TileEnvelope(:z, :x, :y) AS merc,
                           ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => 0.02), 4326) AS wgs)
    SELECT ST_AsMVT(tile, 'coverage', 4096, 'geom', 'id') FROM (
        SELECT a.id, a.code, a.name, CAST(last.day AS text) AS last_visit,
               :today - last.day AS days_since_visit,
               ST_AsMVTGeom(ST_Transform(a.geom, 3857), bounds.merc, 4096, 64, true) AS geom
        FROM bounds, areas a
        LEFT JOIN LATERAL (SELECT max(d.day) AS day FROM patrol_cell_days d
                           WHERE d.cell_id = a.id) AS last ON true
        WHERE a.level = 'grid' AND a.valid_to IS NULL AND a.geom && bounds.wgs
          AND a.path LIKE :path || '%'
    ) AS tile WHERE tile.geom IS NOT NULL
""")


def coverage_tile(session: Session, principal: Principal, z: int, x: int, y: int, *,
                  today: date) -> bytes:
    """Cells in the tile (a supervisor's own area only) with their last visit day and the
    days since; cells never walked carry neither."""
    check_tile_address(z, x, y)
    path = "/" if principal.has(Role.admin) else principal.area_path
    if path is None:
        raise PermissionDenied
    data = session.execute(TILE_SQL, {"z": z, "x": x, "y": y, "path": path,
                                      "today": today}).scalar()
    return bytes(data or b"")
