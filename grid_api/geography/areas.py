"""The area tree: lookups, listing, locating a point, and grid workers of a cell."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from geoalchemy2.shape import from_shape
from shapely import MultiPolygon
from sqlalchemy import Select, or_, select, text
from sqlalchemy.orm import Session

from geo import queries
from geo.srid import WGS84
from grid_api.errors import NotFound, ValidationFailed
from models.area import PENDING_PATH, Area, AreaLevel, child_path
from models.user import GridAssignment, Role, User


def get_area(session: Session, area_id: int, *, for_update: bool = False) -> Area:
    area = session.get(Area, area_id, with_for_update=for_update)
    if area is None:
        raise NotFound
    return area


def find_area_by_code(session: Session, code: str) -> Area | None:
    return session.execute(select(Area).where(Area.code == code)).scalar_one_or_none()


def current(today: date | None = None):
    """Areas in force today (not retired)."""
    today = today or date.today()
    return or_(Area.valid_to.is_(None), Area.valid_to > today)


def upsert_area(
    session: Session,
    *,
    code: str,
    name: str,
    level: AreaLevel,
    geometry: MultiPolygon,
    parent: Area | None,
) -> tuple[Area, bool]:
    """Create the area with ``code``, or update it in place; returns (area, created)."""
    area = find_area_by_code(session, code)
    created = area is None
    if area is None:
        area = Area(code=code, path=PENDING_PATH)
        session.add(area)
    area.name = name
    area.level = level
    area.parent = parent
    area.geom = from_shape(geometry, srid=WGS84)
    session.flush()  # the path embeds the new id
    area.path = child_path(parent.path if parent else None, area.id)
    return area, created


@dataclass(frozen=True)
class AreaFilter:
    level: AreaLevel | None = None
    parent_id: int | None = None
    bbox: tuple[float, float, float, float] | None = None
    include_retired: bool = False


def areas_query(criteria: AreaFilter, zoom: int | None) -> Select:
    """Rows of (Area, geojson text) matching ``criteria``; the caller pages them."""
    query = select(Area, queries.simplified_geojson(Area.geom, zoom).label("geojson"))
    if criteria.level:
        query = query.where(Area.level == criteria.level)
    if criteria.parent_id is not None:
        query = query.where(Area.parent_id == criteria.parent_id)
    if criteria.bbox:
        query = query.where(Area.geom.op("&&")(queries.envelope(*criteria.bbox)))
    if not criteria.include_retired:
        query = query.where(current())
    return query


def area_feature(area: Area, geojson: str | None) -> dict:
    """An area as a GeoJSON Feature (RFC 7946)."""
    return {
        "type": "Feature",
        "id": area.id,
        "geometry": json.loads(geojson) if geojson else None,
        "properties": {
            "code": area.code, "name": area.name, "level": area.level.value,
            "parent_id": area.parent_id, "valid_from": area.valid_from.isoformat(),
            "valid_to": area.valid_to.isoformat() if area.valid_to else None,
        },
    }


def area_with_geojson(session: Session, area_id: int, zoom: int | None) -> tuple[Area, str]:
    row = session.execute(
        select(Area, queries.simplified_geojson(Area.geom, zoom)).where(Area.id == area_id)
    ).one_or_none()
    if row is None:
        raise NotFound
    return row[0], row[1]


# The current grid cell covering the point (:lon, :lat); where cells overlap (real survey
# data has them) the lowest code wins. Every statement that places a point says it this way.
COVERING_CELL = """
    FROM areas
    WHERE level = 'grid' AND valid_to IS NULL
      AND ST_Covers(geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))
    ORDER BY code
    LIMIT 1"""
LOCATE_SQL = text(f"SELECT id {COVERING_CELL}")
# The cell and its whole ancestor chain in one round trip, root first.
LOCATE_WITH_ANCESTORS_SQL = text(f"""
    WITH cell AS (SELECT id {COVERING_CELL})
    SELECT a.id, a.code, a.name, a.level
    FROM cell JOIN areas c ON c.id = cell.id
    JOIN areas a ON a.id = ANY (string_to_array(trim(both '/' from c.path), '/')::bigint[])
    ORDER BY length(a.path)
""")  # noqa: S608 - constant fragments only


@dataclass(frozen=True)
class AreaRef:
    id: int
    code: str
    name: str
    level: str


def locate_cell_id(session: Session, lon: float, lat: float) -> int | None:
    """The current grid cell covering the point (WGS-84).

    Overlapping cells (real survey data has them) resolve deterministically: the cell with
    the lowest code wins. A point on a shared edge belongs to both; the same rule applies.
    """
    return session.execute(LOCATE_SQL, {"lon": lon, "lat": lat}).scalar()


def locate(session: Session, lon: float, lat: float) -> tuple[AreaRef, list[AreaRef]]:
    """The cell and its ancestors (root first); raises NotFound outside every cell."""
    chain = [AreaRef(row.id, row.code, row.name, str(row.level)) for row in session.execute(
        LOCATE_WITH_ANCESTORS_SQL, {"lon": lon, "lat": lat})]
    if not chain:
        raise NotFound("outside_service_area")
    return chain[-1], chain[:-1]


def set_grid_workers(session: Session, cell_id: int, user_ids: list[int]) -> list[User]:
    """Make exactly ``user_ids`` the grid workers of the cell. Raises NotFound, ValidationFailed."""
    cell = get_area(session, cell_id)
    if cell.level is not AreaLevel.grid:
        raise NotFound
    users = list(session.execute(select(User).where(User.id.in_(set(user_ids)))).scalars())
    not_workers = sorted(set(user_ids) - {u.id for u in users if u.has_role(Role.grid_worker)})
    if not_workers:
        raise ValidationFailed(errors={"user_ids": [
            f"Not a grid worker: {', '.join(map(str, not_workers))}"]})
    session.execute(GridAssignment.__table__.delete().where(GridAssignment.area_id == cell.id))
    session.add_all(GridAssignment(user_id=user.id, area_id=cell.id) for user in users)
    return sorted(users, key=lambda user: user.id)


def grid_workers(session: Session, cell_id: int) -> list[User]:
    return list(session.execute(
        select(User).join(GridAssignment, GridAssignment.user_id == User.id)
        .where(GridAssignment.area_id == cell_id).order_by(User.id)).scalars())
