"""Repair surveyed boundaries: keep the polygonal parts of invalid rings, drop slivers."""

from __future__ import annotations

from dataclasses import dataclass

from shapely import MultiPolygon, Polygon, make_valid
from shapely.geometry.base import BaseGeometry

# ~1 m² at Hangzhou's latitude, in square degrees: smaller parts are digitising noise.
SLIVER_AREA_DEG2 = 1e-10


@dataclass(frozen=True)
class Repaired:
    geometry: MultiPolygon | None
    repaired: bool
    reason: str | None = None  # why it could not be repaired, when geometry is None


def _polygons(geometry: BaseGeometry) -> list[Polygon]:
    if isinstance(geometry, Polygon):
        return [geometry]
    if isinstance(geometry, MultiPolygon):
        return list(geometry.geoms)
    if hasattr(geometry, "geoms"):
        return [part for child in geometry.geoms for part in _polygons(child)]
    return []


def repair_polygonal(geometry: BaseGeometry) -> Repaired:
    """A valid MultiPolygon from ``geometry``, or the reason there is none."""
    if not isinstance(geometry, Polygon | MultiPolygon):
        return Repaired(None, False, "not_polygonal")
    if geometry.is_empty:
        return Repaired(None, False, "empty")
    fixed = geometry if geometry.is_valid else make_valid(geometry)
    parts = [part for part in _polygons(fixed) if part.area > SLIVER_AREA_DEG2]
    if not parts:
        return Repaired(None, False, "no_area")
    result = MultiPolygon(parts)
    if not result.is_valid:  # touching parts from make_valid: union them into one shape
        result = MultiPolygon(_polygons(make_valid(result.buffer(0))))
    changed = not geometry.is_valid or len(parts) != len(_polygons(geometry))
    return Repaired(result, changed)
