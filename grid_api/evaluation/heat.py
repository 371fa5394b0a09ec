"""The `heat` vector-tile layer: cases reported over a period, binned by zoom.

Each tile is cut into BINS × BINS squares (so a bin is 1/BINS of the tile: about 600 m at
z10, 10 m at z16); every square holding cases becomes one point at its centre with
`count`. A map draws it as a heat map weighted by `count`.

Up to CELL_MAX_ZOOM a bin is at least a grid cell wide, so cases are counted per cell —
an index lookup per cell in the tile, never a read of each case's point — and each cell's
count placed at a point inside it. Up to HEAT_ZOOM, for the city and its districts without
a category, the heat tallies (models.tally) already hold those counts per bin and month,
week or day: a tile reads its bins for the period's whole months, whole weeks and other
days, however many cells and cases lie under it. Closer in, each case is binned at its own
point: a tile that small holds few cases.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from grid_api.evaluation import tallies
from grid_api.evaluation.indicators import Period
from grid_api.geography.tiles import check_tile_address
from models.tally import DAY, HEAT_BIN_LEVEL, HEAT_LEVELS, HEAT_ZOOM, MONTH, WEEK

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
    binned AS MATERIALIZED (
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
    binned AS MATERIALIZED (
        SELECT floor((ST_X(g) - box.x0) / box.side) AS i,
               floor((ST_Y(g) - box.y0) / box.side) AS j, count(*) AS n
        FROM points, box GROUP BY 1, 2)""" + _ENCODE  # noqa: S608 - constants
_CATEGORY = {"cells": "AND k.category_code LIKE :category || '%'",
             "points": "AND EXISTS (SELECT 1 FROM categories cat WHERE cat.id = c.category_id "
                       "AND cat.code LIKE :category || '%')"}
# The bins of the tile's level for the period's whole months, whole weeks and other days,
# folded or not yet: one index range per tile of the level and span (equalities all: a
# range on the tile would leave the rest of the key unused). A bin's span is far below
# 2^31: summed as integers, which PostgreSQL adds in a machine word (a bigint's sum is a
# numeric, a quarter of a 30-day window's time).
_SPAN_READ = """
        SELECT bin_x, bin_y, reported FROM heat_tallies
        WHERE level = :level AND tile_x = ANY(CAST(:tile_xs AS int[]))
          AND tile_y = ANY(CAST(:tile_ys AS int[])) AND span = {span}
          AND period_start = ANY(CAST(:{starts} AS date[])) AND area_path LIKE :area_like"""
TALLIED = text(_BOX + """,
    reported AS (""" + " UNION ALL ".join(  # noqa: S608 - constants
        _SPAN_READ.format(span=span, starts=starts)
        for span, starts in ((MONTH, "months"), (WEEK, "weeks"), (DAY, "days"))) + """
        UNION ALL
        SELECT bin_x >> :coarser, bin_y >> :coarser, reported FROM heat_changes
        WHERE day BETWEEN :first AND :last AND area_path LIKE :area_like),
    binned AS MATERIALIZED (
        SELECT (bin_x >> :shift) - CAST(:x AS int) * :bins AS i,
               :bins - 1 - ((bin_y >> :shift) - CAST(:y AS int) * :bins) AS j,
               sum(reported::int)::bigint AS n
        FROM reported GROUP BY 1, 2 HAVING sum(reported::int) > 0)""" + _ENCODE)
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
    if not params["category"] and _tallied(session, area_path, period, z):
        statement = TALLIED
        params |= _tallied_params(period, z, x, y)
    else:
        statement = STATEMENTS[z <= CELL_MAX_ZOOM, bool(params["category"])]
    return bytes(session.execute(statement, params).scalar() or b"")


def _tallied(session: Session, area_path: str, period: Period, z: int) -> bool:
    """Whether the heat tallies hold this tile: out to HEAT_ZOOM, kept in the period's zone,
    for an area no deeper than theirs."""
    if z > HEAT_ZOOM:
        return False
    kept = tallies.kept(session)
    return (kept is not None and kept.zone == period.zone.key
            and tallies.area_depth(area_path) <= kept.depth)


def _tallied_params(period: Period, z: int, x: int, y: int) -> dict:
    level = min(level for level in HEAT_LEVELS if level >= z + 6)
    span = 1 << (level - 6 - z)  # tiles of the level's parent zoom across this one
    months, weeks, days = spans(period.first, period.last)
    return {"level": level, "coarser": HEAT_BIN_LEVEL - level, "shift": level - 6 - z,
            "tile_xs": list(range(x * span, (x + 1) * span)),
            "tile_ys": list(range(y * span, (y + 1) * span)),
            "months": months, "weeks": weeks, "days": days,
            "first": period.first, "last": period.last}


def spans(first: date, last: date) -> tuple[list[date], list[date], list[date]]:
    """The fewest tallied spans that tile ``first`` to ``last``: the first days of its whole
    months, then the Mondays of the whole weeks in what is left, then the other days."""
    months: list[date] = []
    rest: list[date] = []
    day = first
    while day <= last:
        month_end = date(day.year + day.month // 12, day.month % 12 + 1, 1) - timedelta(days=1)
        if day.day == 1 and month_end <= last:
            months.append(day)
            day = month_end + timedelta(days=1)
        else:
            rest.append(day)
            day += timedelta(days=1)
    weeks: list[date] = []
    days: list[date] = []
    left = set(rest)
    for day in rest:
        if day not in left:
            continue
        week = [day + timedelta(days=n) for n in range(7)]
        if day.weekday() == 0 and left.issuperset(week):
            weeks.append(day)
            left.difference_update(week)
        else:
            days.append(day)
            left.discard(day)
    return months, weeks, days
