"""The `heat` vector-tile layer: cases reported over a period, binned by zoom.

Each tile is cut into BINS × BINS squares (so a bin is 1/BINS of the tile: about 600 m at
z10, 10 m at z16); every square holding cases becomes one point at its centre with
`count`. A map draws it as a heat map weighted by `count`, so the work a tile costs depends
on the cases under it, never on the points a browser would have to sum.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.queries import MAX_ZOOM
from grid_api.errors import BadRequest
from grid_api.evaluation.indicators import Period

BINS = 64
EXTENT = 4096

TILE_SQL = text("""
    WITH bounds AS (
        SELECT ST_TileEnvelope(:z, :x, :y) AS merc,
               ST_Transform(ST_TileEnvelope(:z, :x, :y), 4326) AS wgs),
    box AS (
        SELECT merc, wgs, ST_XMin(merc) AS x0, ST_YMin(merc) AS y0,
               (ST_XMax(merc) - ST_XMin(merc)) / :bins AS side FROM bounds),
    points AS (
        SELECT ST_Transform(c.location, 3857) AS g
        FROM box, cases c JOIN case_counters k ON k.case_id = c.id
        WHERE c.location && box.wgs
          AND k.area_path LIKE :area_like AND k.reported_at >= :start AND k.reported_at < :end
          AND (:category = '' OR k.category_code LIKE :category || '%')),
    binned AS (
        SELECT floor((ST_X(g) - box.x0) / box.side) AS i,
               floor((ST_Y(g) - box.y0) / box.side) AS j, count(*) AS n
        FROM points, box GROUP BY 1, 2)
    SELECT ST_AsMVT(tile, 'heat', :extent, 'geom') FROM (
        SELECT binned.n AS count,
               ST_AsMVTGeom(ST_SetSRID(ST_MakePoint(box.x0 + (binned.i + 0.5) * box.side,
                                                    box.y0 + (binned.j + 0.5) * box.side),
                                       3857), box.merc, :extent, 0, false) AS geom
        FROM binned, box
        WHERE binned.i BETWEEN 0 AND :bins - 1 AND binned.j BETWEEN 0 AND :bins - 1
    ) AS tile WHERE tile.geom IS NOT NULL
""")


def heat_tile(session: Session, *, area_path: str, period: Period, category: str | None,
              z: int, x: int, y: int) -> bytes:
    """The tile's bytes (empty when no case of the area and period lies in it).

    Raises BadRequest (an impossible z/x/y)."""
    if not 0 <= z <= MAX_ZOOM or not (0 <= x < 2 ** z and 0 <= y < 2 ** z):
        raise BadRequest("impossible_tile", params={"z": z, "x": x, "y": y})
    params = {"z": z, "x": x, "y": y, "bins": BINS, "extent": EXTENT,
              "area_like": area_path + "%", "start": period.start, "end": period.end,
              "category": (category or "").replace("%", "").replace("_", "")}
    return bytes(session.execute(TILE_SQL, params).scalar() or b"")
