"""The public map of cases: a `cases` vector-tile layer (Mapbox Vector Tile, ST_AsMVT).

Only public cases (registered and later, never rejected), each at its public location (a
sensitive category's case at its grid cell's centre), with nothing but what styles a dot:
id, status and category. Below ``POINTS_FROM_ZOOM`` cases are aggregated into clusters on a
grid of ``CLUSTER_PIXELS`` screen pixels, so a city-wide view is a few thousand features
whatever the number of cases.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.queries import pixel_degrees
from grid_api.geography.tiles import check_tile_address
from models.case import PUBLIC_STATUSES

LAYER = "cases"
POINTS_FROM_ZOOM = 14
CLUSTER_PIXELS = 16  # of a 256-pixel tile
_PUBLIC = ", ".join(sorted(f"'{status.value}'" for status in PUBLIC_STATUSES))

POINTS_SQL = text(f"""
    WITH bounds AS (SELECT ST_TileEnvelope(:z, :x, :y) AS merc,
                           ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => 0.02), 4326) AS wgs)
    SELECT ST_AsMVT(tile, 'cases', 4096, 'geom', 'id') FROM (
        SELECT c.id, CAST(c.status AS text) AS status, cat.code AS category,
               CAST(cat.kind AS text) AS kind,
               ST_AsMVTGeom(ST_Transform(c.public_location, 3857), bounds.merc, 4096, 64,
                            true) AS geom
        FROM cases c JOIN categories cat ON cat.id = c.category_id, bounds
        WHERE c.public_location && bounds.wgs AND c.status IN ({_PUBLIC})
    ) AS tile WHERE tile.geom IS NOT NULL
""")  # noqa: S608 - the IN list is built from the status enum, not from input

CLUSTERS_SQL = text(f"""
    WITH bounds AS (SELECT ST_TileEnvelope(:z, :x, :y) AS merc,
                           ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => 0.02), 4326) AS wgs),
    clusters AS (
        SELECT count(*) AS count, count(*) FILTER (WHERE c.status = 'closed') AS closed,
               avg(ST_X(c.public_location)) AS lon, avg(ST_Y(c.public_location)) AS lat
        FROM cases c, bounds
        WHERE c.public_location && bounds.wgs AND c.status IN ({_PUBLIC})
        GROUP BY floor(ST_X(c.public_location) / :size), floor(ST_Y(c.public_location) / :size)
    )
    SELECT ST_AsMVT(tile, 'cases', 4096, 'geom') FROM (
        SELECT count, count - closed AS open, closed,
               ST_AsMVTGeom(ST_Transform(ST_SetSRID(ST_MakePoint(lon, lat), 4326), 3857),
                            bounds.merc, 4096, 64, true) AS geom
        FROM clusters, bounds
    ) AS tile WHERE tile.geom IS NOT NULL
""")  # noqa: S608 - as above


def render_tile(session: Session, z: int, x: int, y: int) -> bytes:
    """The tile's bytes (empty when no public case is in it). Raises BadRequest (z/x/y)."""
    check_tile_address(z, x, y)
    params = {"z": z, "x": x, "y": y}
    if z >= POINTS_FROM_ZOOM:
        data = session.execute(POINTS_SQL, params).scalar()
    else:
        data = session.execute(CLUSTERS_SQL, params | {
            "size": CLUSTER_PIXELS * pixel_degrees(z)}).scalar()
    return bytes(data or b"")
