"""SQL expression builders for spatial queries (SRID 4326 geometries)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, func

from geo.srid import WGS84

MAX_ZOOM = 22


def point(lon: float, lat: float) -> ColumnElement:
    return func.ST_SetSRID(func.ST_MakePoint(lon, lat), WGS84)


def envelope(min_lon: float, min_lat: float, max_lon: float, max_lat: float) -> ColumnElement:
    return func.ST_MakeEnvelope(min_lon, min_lat, max_lon, max_lat, WGS84)


def pixel_degrees(zoom: int) -> float:
    """The width of one 256-pixel-tile pixel at ``zoom``, in degrees of longitude."""
    return 360.0 / (256 * 2 ** max(0, min(zoom, MAX_ZOOM)))


def simplified_geojson(geom: ColumnElement, zoom: int | None) -> ColumnElement:
    """GeoJSON of ``geom``, simplified to a pixel at ``zoom`` (unsimplified without one)."""
    if zoom is None:
        return func.ST_AsGeoJSON(geom, 7)
    return func.ST_AsGeoJSON(func.ST_SimplifyPreserveTopology(geom, pixel_degrees(zoom)), 7)
