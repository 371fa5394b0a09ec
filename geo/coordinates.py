"""The one rule for what a WGS-84-style longitude/latitude pair may be."""

from __future__ import annotations

import math

LON_MIN, LON_MAX = -180.0, 180.0
LAT_MIN, LAT_MAX = -90.0, 90.0


def valid_lon(lon: float) -> bool:
    return math.isfinite(lon) and LON_MIN <= lon <= LON_MAX


def valid_lat(lat: float) -> bool:
    return math.isfinite(lat) and LAT_MIN <= lat <= LAT_MAX


def valid_lon_lat(lon: float, lat: float) -> bool:
    """Finite and on the globe (any of the supported coordinate systems)."""
    return valid_lon(lon) and valid_lat(lat)


def valid_bbox(min_lon: float, min_lat: float, max_lon: float, max_lat: float) -> bool:
    """Both corners valid and the box not empty or inverted."""
    return (valid_lon_lat(min_lon, min_lat) and valid_lon_lat(max_lon, max_lat)
            and min_lon < max_lon and min_lat < max_lat)
