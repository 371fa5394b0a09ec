"""GeoJSON in and out: checked parsing of features, and points."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shapely.errors import GEOSException, ShapelyError
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from geo.coordinates import valid_lon_lat

POLYGONAL = {"Polygon", "MultiPolygon"}


@dataclass(frozen=True)
class ParsedGeometry:
    geometry: BaseGeometry | None
    reason: str | None = None  # set when geometry is None


def _coordinates_in_range(coordinates: Any) -> bool:
    if isinstance(coordinates, list | tuple) and coordinates and isinstance(
            coordinates[0], int | float):
        if len(coordinates) < 2:  # noqa: PLR2004 - a position needs lon and lat
            return False
        lon, lat = coordinates[0], coordinates[1]
        if not all(isinstance(value, int | float) and not isinstance(value, bool)
                   for value in coordinates):
            return False
        return valid_lon_lat(lon, lat)
    if isinstance(coordinates, list | tuple):
        return all(_coordinates_in_range(part) for part in coordinates)
    return False


def parse_polygonal(geometry: Any) -> ParsedGeometry:
    """A shapely (Multi)Polygon from a GeoJSON geometry object, or why not."""
    if not isinstance(geometry, dict) or "type" not in geometry:
        return ParsedGeometry(None, "invalid_geometry")
    if geometry["type"] not in POLYGONAL:
        return ParsedGeometry(None, "wrong_geometry_type")
    if not _coordinates_in_range(geometry.get("coordinates")):
        return ParsedGeometry(None, "coordinates_out_of_range")
    try:
        return ParsedGeometry(shape(geometry))
    except (ShapelyError, GEOSException, ValueError, TypeError, IndexError, AttributeError):
        return ParsedGeometry(None, "invalid_geometry")

