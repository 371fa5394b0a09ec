"""Hot spots: case counts per grid cell or per hexagon (PostGIS ST_HexagonGrid) of an area
over a period, and which of them are significant clusters by the Getis-Ord Gi* statistic —
not just dense.

Gi* for place i over its neighbourhood N(i) (itself and the places touching it), with
binary weights, n places, mean x̄ and standard deviation s of all counts:

    Gi* = (Σ_{j∈N(i)} x_j − x̄·|N(i)|) / (s · √((n·|N(i)| − |N(i)|²) / (n − 1)))

|Gi*| ≥ 1.96 is significant at 95 %, ≥ 2.58 at 99 %; positive is a hot spot, negative cold.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from grid_api.errors import ValidationFailed
from grid_api.evaluation.indicators import Period

MAX_PLACES = 20000  # hexagons per answer: beyond this the size is too small for the area
Z95, Z99 = 1.96, 2.58

# Cells: each case counted in the cell it was filed in (the last id of its area path).
CELLS = text("""
    WITH counted AS (
        SELECT split_part(rtrim(k.area_path, '/'), '/', -1)::bigint AS cell_id, count(*) AS n
        FROM case_counters k
        WHERE k.area_path LIKE :area_like AND k.reported_at >= :start AND k.reported_at < :end
          AND (:category = '' OR k.category_code LIKE :category || '%')
        GROUP BY 1)
    SELECT a.id, a.code, a.name, coalesce(counted.n, 0) AS n,
           ST_AsGeoJSON(ST_SimplifyPreserveTopology(a.geom, 0.00002), 6) AS geometry,
           (SELECT coalesce(array_agg(b.id), '{}') FROM areas b
            WHERE b.level = 'grid' AND b.valid_to IS NULL AND b.path LIKE :area_like
              AND b.id <> a.id AND ST_Touches(a.geom, b.geom)) AS neighbours
    FROM areas a LEFT JOIN counted ON counted.cell_id = a.id
    WHERE a.level = 'grid' AND a.valid_to IS NULL AND a.path LIKE :area_like
    ORDER BY a.id
""")

# Each case finds its hexagon from a grid laid over its own point (the grid is anchored at
# the origin, so indices agree everywhere); then every hexagon over the area is listed.
# Sizes are metres on the ground: Web Mercator stretches them by 1 / cos(latitude).
HEXAGONS = text("""
    WITH area AS (
        SELECT ST_Transform(geom, 3857) AS geom,
               :size / cos(radians(ST_Y(ST_Centroid(geom)))) AS side
        FROM areas WHERE id = :area_id),
    counted AS (
        SELECT h.i, h.j, count(*) AS n
        FROM case_counters k JOIN cases c ON c.id = k.case_id, area,
             LATERAL (SELECT g.i, g.j FROM ST_HexagonGrid(area.side,
                                                          ST_Transform(c.location, 3857)) g
                      WHERE ST_Intersects(g.geom, ST_Transform(c.location, 3857))
                      ORDER BY g.i, g.j LIMIT 1) h
        WHERE k.area_path LIKE :area_like AND k.reported_at >= :start AND k.reported_at < :end
          AND (:category = '' OR k.category_code LIKE :category || '%')
        GROUP BY h.i, h.j)
    SELECT h.i, h.j, coalesce(counted.n, 0) AS n,
           ST_AsGeoJSON(ST_Transform(h.geom, 4326), 6) AS geometry
    FROM area, ST_HexagonGrid(area.side, area.geom) AS h
    LEFT JOIN counted ON counted.i = h.i AND counted.j = h.j
    WHERE ST_Intersects(h.geom, area.geom)
    ORDER BY h.i, h.j
""")
HEX_COUNT = text("""
    SELECT ST_Area(ST_Envelope(ST_Transform(geom, 3857))) FROM areas WHERE id = :area_id
""")


@dataclass(frozen=True)
class Place:
    key: str
    count: int
    geometry: dict[str, Any]
    neighbours: tuple[str, ...]
    properties: dict[str, Any]


def gi_star(places: list[Place]) -> dict[str, float | None]:
    """Getis-Ord Gi* z-score of every place (None when all counts are equal)."""
    n = len(places)
    counts = {p.key: p.count for p in places}
    mean = sum(counts.values()) / n if n else 0.0
    spread = math.sqrt(sum(x * x for x in counts.values()) / n - mean * mean) if n else 0.0
    scores: dict[str, float | None] = {}
    for place in places:
        around = [place.key, *(k for k in place.neighbours if k in counts)]
        w = len(around)
        denominator = spread * math.sqrt(max(n * w - w * w, 0) / (n - 1)) if n > 1 else 0.0
        scores[place.key] = (None if not denominator else
                             round((sum(counts[k] for k in around) - mean * w) / denominator, 3))
    return scores


def _hex_neighbours(i: int, j: int) -> tuple[str, ...]:
    # ST_HexagonGrid's flat-topped columns: odd columns sit half a hexagon higher.
    up = 1 if i % 2 else 0
    candidates = [(i, j + 1), (i, j - 1), (i - 1, j - 1 + up), (i - 1, j + up),
                  (i + 1, j - 1 + up), (i + 1, j + up)]
    return tuple(f"{a}:{b}" for a, b in candidates)


def _significance(z: float | None) -> str | None:
    if z is None or abs(z) < Z95:
        return None
    level = "99" if abs(z) >= Z99 else "95"
    return f"{'hot' if z > 0 else 'cold'}_{level}"


def hotspots(session: Session, *, area_id: int, area_path: str, period: Period,
             shape: str, size_m: int | None, category: str | None) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of counts with Gi* and its significance per place.

    Raises ValidationFailed (hexagons too small for the area)."""
    params = {"area_like": area_path + "%", "start": period.start, "end": period.end,
              "category": (category or "").replace("%", "").replace("_", "")}
    if shape == "cell":
        places = [Place(str(row.id), row.n, json.loads(row.geometry),
                        tuple(str(i) for i in row.neighbours),
                        {"id": row.id, "code": row.code, "name": row.name})
                  for row in session.execute(CELLS, params)]
    else:
        extent = session.execute(HEX_COUNT, {"area_id": area_id}).scalar() or 0
        hexagon = 1.5 * math.sqrt(3) * size_m * size_m
        if extent / hexagon > MAX_PLACES:
            raise ValidationFailed("too_many_hexagons", params={"max": MAX_PLACES},
                                   errors={"size_m": [f"Too small for the area: more than "
                                                      f"{MAX_PLACES} hexagons."]})
        places = [Place(f"{row.i}:{row.j}", row.n, json.loads(row.geometry),
                        _hex_neighbours(row.i, row.j), {"i": row.i, "j": row.j})
                  for row in session.execute(HEXAGONS, {**params, "area_id": area_id,
                                                        "size": size_m})]
    scores = gi_star(places)
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": place.geometry,
         "properties": {**place.properties, "count": place.count, "gi_z": scores[place.key],
                        "significance": _significance(scores[place.key])}}
        for place in places]}
