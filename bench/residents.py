"""Residents benchmarks: the watch-area fan-out of one case to 10^5 watchers, against a bare
INSERT … SELECT of the same inbox rows in the same run; and the public `cases` tile layer at
z12 / z15 over 10^6 cases, against the same SQL sent by psycopg."""

from __future__ import annotations

import os
import random
import statistics
import time

import psycopg

from bench.geography import _plain_url, _summary, _tile_xy, _timed, build_million_cells
from bench.harness import private_services
from grid_api.app import create_app
from grid_api.config import Settings
from grid_api.residents import case_map, watching

WATCHERS = 100_000
BYSTANDERS = 10_000  # watchers elsewhere, who must not hear of it
ROUNDS = 3
CASES = 1_000_000
REGION = (119.5, 29.5, 120.0, 30.0)  # 10^6 cases over a city of about 50 km × 55 km
CASE_POINT = (119.55, 29.595)  # inside the synthetic grid's first street


def _setup_watchers(conn: psycopg.Connection) -> tuple[int, list[int]]:
    """10^5 residents watching the street of the cases (half its outline, half a 1 km
    circle around them) and 10^4 watching elsewhere; returns the street and ROUNDS cases."""
    lon, lat = CASE_POINT
    street_id, cell_id, cell_path = conn.execute(f"""
        SELECT s.id, c.id, c.path FROM areas c JOIN areas s ON c.path LIKE s.path || '%%'
        WHERE c.level = 'grid' AND s.level = 'street'
          AND ST_Covers(c.geom, ST_SetSRID(ST_MakePoint({lon}, {lat}), 4326))
        LIMIT 1""").fetchone()
    conn.execute(f"""
        INSERT INTO users (phone, display_name, password_hash, roles)
        SELECT '+86139' || lpad(g::text, 8, '0'), '居民', '!', ARRAY['resident']
        FROM generate_series(1, {WATCHERS + BYSTANDERS + 1}) g""")
    first = conn.execute("SELECT min(id) FROM users").fetchone()[0]
    conn.execute(f"""
        INSERT INTO watch_areas (user_id, area_id)
        SELECT id, {street_id} FROM users WHERE id > {first} AND id % 2 = 0
          AND id <= {first + WATCHERS};
        INSERT INTO watch_areas (user_id, center, radius_m)
        SELECT id, CAST(ST_SetSRID(ST_MakePoint({lon} + (random() - 0.5) * 0.008,
                                                {lat} + (random() - 0.5) * 0.008), 4326)
                        AS geography), 1000
        FROM users WHERE id > {first} AND id % 2 = 1 AND id <= {first + WATCHERS};
        INSERT INTO watch_areas (user_id, center, radius_m)
        SELECT id, CAST(ST_SetSRID(ST_MakePoint({lon} + 0.3 + random() * 0.1,
                                                {lat} + 0.3 + random() * 0.1), 4326)
                        AS geography), 1000
        FROM users WHERE id > {first + WATCHERS}""")
    category = conn.execute("SELECT id FROM categories WHERE code = 'E0104'").fetchone()[0]
    cases = [row[0] for row in conn.execute(f"""
        INSERT INTO cases (code, status, category_id, description, location, reporter_id,
                           grid_id, area_path, source)
        SELECT 'W' || g, 'registered', {category}, '压测', ST_SetSRID(ST_MakePoint({lon},
               {lat}), 4326), {first}, {cell_id}, '{cell_path}', 'grid_worker'
        FROM generate_series(1, {2 * ROUNDS}) g RETURNING id""")]
    for table in ("users", "watch_areas", "cases"):
        conn.execute(f"VACUUM ANALYZE {table}")
    return street_id, cases


RAW_FAN_OUT = """
    INSERT INTO notifications (user_id, case_id, kind, params)
    SELECT DISTINCT user_id, %s, 'watch_new_case', CAST('{"code": "W"}' AS jsonb)
    FROM watch_areas WHERE user_id <= %s
"""


def bench_fan_out(app, url: str) -> dict[str, float]:
    with psycopg.connect(_plain_url(url), autocommit=True) as conn:
        _street, cases = _setup_watchers(conn)
        last_watcher = conn.execute("SELECT min(id) FROM users").fetchone()[0] + WATCHERS
    ours, raw, told = [], [], 0
    with psycopg.connect(_plain_url(url)) as conn, app.app_context():
        for ours_case, raw_case in zip(cases[::2], cases[1::2], strict=True):
            started = time.perf_counter()
            conn.execute(RAW_FAN_OUT, (raw_case, last_watcher))
            conn.commit()
            raw.append(time.perf_counter() - started)
            with app.extensions["grid_db"].new_session() as session:
                started = time.perf_counter()
                told = watching.fan_out(session, ours_case, watching.NEW)
                session.commit()
                ours.append(time.perf_counter() - started)
    return {"watchers": WATCHERS, "told": told, "fan_out_seconds": statistics.median(ours),
            "raw_insert_select_seconds": statistics.median(raw),
            "ratio": statistics.median(raw) / statistics.median(ours)}


def _load_cases(url: str) -> None:
    x0, y0, x1, y1 = REGION
    with psycopg.connect(_plain_url(url), autocommit=True) as conn:
        reporter = conn.execute("""
            INSERT INTO users (phone, display_name, password_hash, roles)
            VALUES ('+8613800000001', '压测', '!', ARRAY['resident']) RETURNING id""").fetchone()[0]
        cell_id, cell_path = conn.execute(
            "SELECT id, path FROM areas WHERE level = 'grid' LIMIT 1").fetchone()
        categories = [row[0] for row in conn.execute(
            "SELECT id FROM categories WHERE parent_id IS NOT NULL ORDER BY code")]
        # Bulk load: the public location is the point (no category is sensitive here).
        conn.execute("ALTER TABLE cases DISABLE TRIGGER cases_public_location")
        conn.execute(f"""
            INSERT INTO cases (code, status, category_id, description, location,
                               public_location, reporter_id, grid_id, area_path, source)
            SELECT 'T' || g, CAST((CASE WHEN r < 0.80 THEN 'closed' WHEN r < 0.85 THEN 'registered'
                                   WHEN r < 0.90 THEN 'in_progress' WHEN r < 0.93 THEN 'dispatched'
                                   WHEN r < 0.95 THEN 'resolved' WHEN r < 0.97 THEN 'reported'
                                   ELSE 'rejected' END) AS case_status),
                   (ARRAY[{",".join(map(str, categories))}])[1 + g % {len(categories)}],
                   '压测', p, p, {reporter}, {cell_id}, '{cell_path}', 'resident_app'
            FROM (SELECT g, random() AS r,
                         ST_SetSRID(ST_MakePoint({x0} + random() * {x1 - x0},
                                                 {y0} + random() * {y1 - y0}), 4326) AS p
                  FROM generate_series(1, {CASES}) g) s""")
        conn.execute("ALTER TABLE cases ENABLE TRIGGER cases_public_location")
        conn.execute("VACUUM ANALYZE cases")


def bench_tiles(app, url: str, per_zoom: int = 60) -> dict[str, float]:
    _load_cases(url)
    rng = random.Random(11)
    x0, y0, x1, y1 = REGION
    raw = psycopg.connect(_plain_url(url), autocommit=True)
    figures: dict[str, float] = {}
    with app.app_context(), app.extensions["grid_db"].new_session() as session:
        for z, sql in ((12, case_map.CLUSTERS_SQL), (15, case_map.POINTS_SQL)):
            coords = [_tile_xy(x0 + rng.random() * (x1 - x0), y0 + rng.random() * (y1 - y0), z)
                      for _ in range(per_zoom)]
            statement = str(sql.text)
            for name in ("z", "x", "y", "size"):
                statement = statement.replace(f":{name}", f"%({name})s")
            size = case_map.CLUSTER_PIXELS * 360.0 / (256 * 2 ** z)
            it = iter(coords * 3)
            _timed(lambda z=z, it=it: case_map.render_tile(session, z, *next(it)), per_zoom)
            ours = _timed(lambda z=z, it=it: case_map.render_tile(session, z, *next(it)),
                          per_zoom)
            it = iter(coords)
            baseline = _timed(lambda z=z, it=it, statement=statement, size=size: raw.execute(
                statement, dict(zip(("x", "y"), next(it), strict=True), z=z, size=size))
                .fetchone(), per_zoom)
            ordered = sorted(ours)
            p50, _p99, mean = _summary(ours)
            raw_p50, _, raw_mean = _summary(baseline)
            figures |= {f"z{z}_p50_ms": p50, f"z{z}_p95_ms": ordered[int(len(ordered) * 0.95) - 1],
                        f"z{z}_raw_p50_ms": raw_p50, f"z{z}_ratio": raw_mean / mean}
    raw.close()
    return figures


def _print(prefix: str, figures: dict[str, float]) -> dict[str, float]:
    for name, value in figures.items():
        print(f"  {prefix}_{name:30} {value:10.3f}", flush=True)
    return {f"{prefix}_{name}": value for name, value in figures.items()}


def run() -> dict[str, float]:
    figures: dict[str, float] = {}
    with private_services() as env:
        build_million_cells(env["DATABASE_URL"], side=100)
        app = create_app(settings=Settings.from_env({**os.environ, **env}))
        figures |= _print("watch", bench_fan_out(app, env["DATABASE_URL"]))
        figures |= _print("case_tiles", bench_tiles(app, env["DATABASE_URL"]))
    return figures


if __name__ == "__main__":
    run()
