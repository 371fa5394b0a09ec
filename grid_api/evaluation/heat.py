"""The `heat` vector-tile layer: cases reported over a period, binned by zoom.

Each tile is cut into BINS × BINS squares (so a bin is 1/BINS of the tile: about 600 m at
z10, 10 m at z16); every square holding cases becomes one point at its centre with
`count`. A map draws it as a heat map weighted by `count`.

Up to CELL_MAX_ZOOM a bin is at least a grid cell wide, so cases are counted per cell —
an index lookup per cell in the tile, never a read of each case's point — and each cell's
count placed at a point inside it. Closer in, each case is binned at its own point: a
tile that small holds few cases.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from grid_api.evaluation.indicators import Period
from grid_api.geography.tiles import check_tile_address

BINS = 64
EXTENT = 4096
CELL_MAX_ZOOM = 12  # bins of ≥ 150 m: wider than most grid cells

_BOX = """
    WITH bounds AS (
        SELECT ST_TileEnvelope(:z, :x, :y) AS merc,
               ST_Transform(ST_TileEnvelope(:z, :x, :y), 4326) AS wgs),
    box AS (
        SELECT merc, wgs, ST_XMin(merc) AS x0, ST_YMin(merc) AS y0,
               (ST_XMax(merc) - ST_XMin(merc)) / :bins AS side FROM bounds)"""
_ENCODE = """
    SELECT ST_AsMVT(tile, 'heat', :extent, 'geom') FROM (
        SELECT binned.n AS count,
               ST_AsMVTGeom(ST_SetSRID(ST_MakePoint(box.x0 + (binned.i + 0.5) * box.side,
                                                    box.y0 + (binned.j + 0.5) * box.side),
                                       3857), box.merc, :extent, 0, false) AS geom
        FROM binned, box
        WHERE binned.i BETWEEN 0 AND :bins - 1 AND binned.j BETWEEN 0 AND :bins - 1
    ) AS tile WHERE tile.geom IS NOT NULL"""

# Every cell of the area whose inner point lies in the tile, retired ones too (their cases
# keep the path they were filed with), with its reports in the period. Without a category
# the count is an index-only scan of (area_path, reported_at).
_CELLS = _BOX + """,
    cells AS (
        SELECT a.path, ST_Transform(ST_PointOnSurface(a.geom), 3857) AS g
        FROM areas a, box
        WHERE a.level = 'grid' AND a.geom && box.wgs AND a.path LIKE :area_like),
    counted AS (
        SELECT cells.g, (SELECT count(*) FROM case_counters k
                         WHERE k.area_path = cells.path
                           AND k.reported_at >= :start AND k.reported_at < :end {category})
                        AS n
        FROM cells),
    binned AS (
        SELECT floor((ST_X(g) - box.x0) / box.side) AS i,
               floor((ST_Y(g) - box.y0) / box.side) AS j, sum(n)::bigint AS n
        FROM counted, box WHERE n > 0 GROUP BY 1, 2)""" + _ENCODE  # noqa: S608 - constants
# Each case at its own point, found by the spatial index on cases.
_POINTS = _BOX + """,
    points AS (
        SELECT ST_Transform(c.location, 3857) AS g
        FROM box, cases c
        WHERE c.location && box.wgs AND c.area_path LIKE :area_like
          AND c.created_at >= :start AND c.created_at < :end {category}),
    binned AS (
        SELECT floor((ST_X(g) - box.x0) / box.side) AS i,
               floor((ST_Y(g) - box.y0) / box.side) AS j, count(*) AS n
        FROM points, box GROUP BY 1, 2)""" + _ENCODE  # noqa: S608 - constants
_CATEGORY = {"cells": "AND k.category_code LIKE :category || '%'",
             "points": "AND EXISTS (SELECT 1 FROM categories cat WHERE cat.id = c.category_id "
                       "AND cat.code LIKE :category || '%')"}
STATEMENTS = {  # (per cell, with a category) → the statement
    (per_cell, with_category): text((_CELLS if per_cell else _POINTS).format(
        category=_CATEGORY["cells" if per_cell else "points"] if with_category else ""))
    for per_cell in (True, False) for with_category in (True, False)}


def heat_tile(session: Session, *, area_path: str, period: Period, category: str | None,
              z: int, x: int, y: int) -> bytes:
    """The tile's bytes (empty when no case of the area and period lies in it).

    Raises BadRequest (an impossible z/x/y)."""
    check_tile_address(z, x, y)
    params = {"z": z, "x": x, "y": y, "bins": BINS, "extent": EXTENT,
              "area_like": area_path + "%", "start": period.start, "end": period.end,
              "category": (category or "").replace("%", "").replace("_", "")}
    statement = STATEMENTS[z <= CELL_MAX_ZOOM, bool(params["category"])]
    return bytes(session.execute(statement, params).scalar() or b"")
