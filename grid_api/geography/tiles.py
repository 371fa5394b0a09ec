"""Mapbox vector tiles of the area tree, encoded by PostGIS (ST_AsMVT).

Tiles up to ``CACHE_MAX_ZOOM`` are kept in ``area_tiles`` once rendered: at low zoom one
tile holds a whole district's cells (about 0.3 s and 1 MB to render at z6–z8), and the tree
changes only on import or generation. Each cached tile carries the tree's generation, which
a database trigger moves on with every write to ``areas`` (dropping the cache), so a tile is
served only while nothing it shows has changed.
"""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from geo.levels import AreaLevel
from geo.queries import MAX_ZOOM
from grid_api.errors import BadRequest, NotFound

log = logging.getLogger(__name__)

CACHE_MAX_ZOOM = 12  # above it a tile holds few cells and renders in milliseconds

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
    check_tile_address(z, x, y)
    return level


def check_tile_address(z: int, x: int, y: int) -> None:
    """Every tile layer's rule for z/x/y. Raises BadRequest (no such tile)."""
    if not 0 <= z <= MAX_ZOOM or not (0 <= x < 2 ** z and 0 <= y < 2 ** z):
        raise BadRequest("impossible_tile", params={"z": z, "x": x, "y": y})


_CACHED = text("""
    SELECT t.data FROM area_tiles t JOIN area_generation g ON g.n = t.generation
    WHERE t.layer = :layer AND t.z = :z AND t.x = :x AND t.y = :y
""")
# The generation is read in the rendering statement itself (one snapshot): a tile rendered
# from areas an import has since changed is stored under the old generation, never served.
_RENDER_WITH_GENERATION = text(
    f"SELECT (SELECT n FROM area_generation) AS generation, ({TILE_SQL.text}) AS data")  # noqa: S608 - constant SQL
_STORE = text("""
    INSERT INTO area_tiles (layer, z, x, y, generation, data)
    VALUES (:layer, :z, :x, :y, :generation, :data)
    ON CONFLICT (layer, z, x, y) DO UPDATE
        SET generation = EXCLUDED.generation, data = EXCLUDED.data, created_at = now()
        WHERE area_tiles.generation < EXCLUDED.generation
""")


def render_tile(session: Session, layer: str, z: int, x: int, y: int) -> bytes:
    """The tile's bytes (empty when no area touches it); low zooms from the cache, which
    the caller's commit fills."""
    level = check_tile(layer, z, x, y)
    params = {"z": z, "x": x, "y": y, "layer": layer, "level": level.value}
    if z > CACHE_MAX_ZOOM:
        return bytes(session.execute(TILE_SQL, params).scalar() or b"")
    cached = session.execute(_CACHED, params).scalar()
    if cached is not None:
        return bytes(cached)
    rendered = session.execute(_RENDER_WITH_GENERATION, params).one()
    data = bytes(rendered.data or b"")
    try:
        with session.begin_nested():  # a read-only database still answers, uncached
            session.execute(_STORE, {**params, "generation": rendered.generation, "data": data})
    except DBAPIError as exc:
        log.debug("tile %s/%s/%s/%s not cached: %s", layer, z, x, y, type(exc.orig).__name__)
    return data
