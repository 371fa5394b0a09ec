"""The area tree: create or update areas by code, keeping ancestor paths right."""

from __future__ import annotations

from geoalchemy2.shape import from_shape
from shapely import MultiPolygon
from sqlalchemy import select
from sqlalchemy.orm import Session

from geo.srid import WGS84
from models.area import Area, AreaLevel


def find_area_by_code(session: Session, code: str) -> Area | None:
    return session.execute(select(Area).where(Area.code == code)).scalar_one_or_none()


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
        area = Area(code=code, path="")
        session.add(area)
    area.name = name
    area.level = level
    area.parent = parent
    area.geom = from_shape(geometry, srid=WGS84)
    session.flush()  # the path embeds the new id
    area.path = f"{parent.path if parent else '/'}{area.id}/"
    return area, created
