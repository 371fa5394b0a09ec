"""Geodesic measures of WGS-84 geometries (on the ellipsoid, in metres)."""

from __future__ import annotations

from pyproj import Geod
from shapely.geometry.base import BaseGeometry

_GEOD = Geod(ellps="WGS84")


def area_m2(geometry: BaseGeometry) -> float:
    return abs(_GEOD.geometry_area_perimeter(geometry)[0])
