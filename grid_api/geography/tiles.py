"""Mapbox vector tiles of the area tree, encoded by PostGIS (ST_AsMVT)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.levels import AreaLevel
from geo.queries import MAX_ZOOM
from grid_api.errors import BadRequest, NotFound

# URL layer name → the level it shows.
LAYERS = {
    "grids": AreaLevel.grid, "communities": AreaLevel.community, "streets": AreaLevel.street,
    "districts": AreaLevel.district,
}

TILE_SQL = text("""
    WITH bounds AS (SELECT ST_TileEnvelope(:z, :x, :y) AS merc,
                           ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => 0.02), 4326) AS wgs)
    SELECT ST_AsMVT(tile, :layer, 4096, 'geom', 'id') FROM (
        SELECT a.id, a.code, a.name, a.parent_id,
               ST_AsMVTGeom(ST_Transform(a.geom, 3857), bounds.merc, 4096, 64, true) AS geom
        FROM areas a, bounds
        WHERE a.level = CAST(:level AS area_level) AND a.valid_to IS NULL
          AND a.geom && bounds.wgs
    ) AS tile WHERE tile.geom IS NOT NULL
""")


def check_tile(layer: str, z: int, x: int, y: int) -> AreaLevel:
    """The level behind ``layer``; raises NotFound (no such layer), BadRequest (z/x/y)."""
    level = LAYERS.get(layer)
    if level is None:
        raise NotFound
    if not 0 <= z <= MAX_ZOOM or not (0 <= x < 2 ** z and 0 <= y < 2 ** z):
        raise BadRequest("impossible_tile", params={"z": z, "x": x, "y": y})
    return level


def render_tile(session: Session, layer: str, z: int, x: int, y: int) -> bytes:
    """The tile's bytes (empty when no area touches it)."""
    level = check_tile(layer, z, x, y)
    data = session.execute(TILE_SQL, {"z": z, "x": x, "y": y, "layer": layer,
                                      "level": level.value}).scalar()
    return bytes(data or b"")
