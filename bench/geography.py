"""Geography benchmarks: locate among 10^6 cells, vector tiles at z12/z14, import throughput.

Each figure is printed beside a raw baseline measured in the same run: the same SQL
statement sent by psycopg (locate, tiles), pgbench (HTTP locate), or a bare executemany
INSERT of the same geometries (import).
"""

from __future__ import annotations

import json
import math
import os
import random
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psycopg

from bench.harness import gunicorn, private_services, wrk
from grid_api.app import create_app
from grid_api.config import Settings
from grid_api.geography import area_import, areas, tiles

ORIGIN = (119.5, 29.5)  # south-west corner of the synthetic grid
CELL_DEG = 0.001  # ≈ 97 m × 111 m
SIDE = 1000  # SIDE × SIDE cells: 10^6


def _plain_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def build_million_cells(url: str, side: int = SIDE) -> None:
    """city → district → 10 streets → `side` communities (one row each) → side² cells."""
    x0, y0 = ORIGIN
    x1, y1 = x0 + side * CELL_DEG, y0 + side * CELL_DEG
    rows_per_street = math.ceil(side / 10)
    with psycopg.connect(_plain_url(url), autocommit=True) as conn:
        conn.execute(f"""
            INSERT INTO areas (code, name, level, path, geom) VALUES
            ('330100', 'city', 'city', '', ST_Multi(ST_MakeEnvelope({x0}, {y0}, {x1}, {y1}, 4326)));
            INSERT INTO areas (code, name, level, parent_id, path, geom)
            SELECT '330106', 'district', 'district', id, '',
                   ST_Multi(ST_MakeEnvelope({x0}, {y0}, {x1}, {y1}, 4326))
            FROM areas WHERE code = '330100';
            INSERT INTO areas (code, name, level, parent_id, path, geom)
            SELECT '330106' || lpad((s + 1)::text, 3, '0'), 'street ' || s, 'street', d.id, '',
                   ST_Multi(ST_MakeEnvelope({x0}, {y1} - (s + 1) * {rows_per_street * CELL_DEG},
                                            {x1}, {y1} - s * {rows_per_street * CELL_DEG}, 4326))
            FROM areas d, generate_series(0, 9) s WHERE d.code = '330106';
            INSERT INTO areas (code, name, level, parent_id, path, geom)
            SELECT st.code || lpad((r % {rows_per_street})::text, 3, '0'), 'community ' || r,
                   'community', st.id, '',
                   ST_Multi(ST_MakeEnvelope({x0}, {y1} - (r + 1) * {CELL_DEG},
                                            {x1}, {y1} - r * {CELL_DEG}, 4326))
            FROM generate_series(0, {side - 1}) r
            JOIN areas st ON st.code = '330106' || lpad((r / {rows_per_street} + 1)::text, 3, '0');
        """)
        conn.execute(f"""
            INSERT INTO areas (code, name, level, parent_id, path, geom)
            SELECT cm.code || lpad(c::text, 3, '0'), 'cell', 'grid', cm.id, '',
                   ST_Multi(ST_MakeEnvelope({x0} + c * {CELL_DEG}, ST_YMin(cm.geom),
                                            {x0} + (c + 1) * {CELL_DEG}, ST_YMax(cm.geom), 4326))
            FROM areas cm, generate_series(0, {side - 1}) c WHERE cm.level = 'community'
        """)
        for level in ("city", "district", "street", "community", "grid"):
            conn.execute(f"""
                UPDATE areas c SET path = coalesce(p.path, '/') || c.id || '/'
                FROM areas c2 LEFT JOIN areas p ON p.id = c2.parent_id
                WHERE c.id = c2.id AND c.level = '{level}'
            """)
        conn.execute("VACUUM ANALYZE areas")


def _random_points(count: int, side: int = SIDE) -> list[tuple[float, float]]:
    rng = random.Random(7)
    span = side * CELL_DEG
    return [(ORIGIN[0] + rng.random() * span, ORIGIN[1] + rng.random() * span)
            for _ in range(count)]


def _timed(call: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def _summary(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    return (statistics.median(ordered), ordered[int(len(ordered) * 0.99) - 1],
            statistics.fmean(ordered))


def bench_locate_in_process(app, url: str, count: int = 3000) -> dict[str, float]:
    points = _random_points(count)
    raw = psycopg.connect(_plain_url(url), autocommit=True)
    sql = str(areas.LOCATE_SQL.text).replace(":lon", "%s").replace(":lat", "%s")
    iterator = iter(points * 2)
    raw_samples = _timed(lambda: raw.execute(sql, next(iterator), prepare=True).fetchone(), count)
    with app.app_context():
        session = app.extensions["grid_db"].new_session()
        iterator = iter(points * 2)
        ours = _timed(lambda: areas.locate(session, *next(iterator)), count)
        session.close()
    raw.close()
    raw_p50, raw_p99, raw_mean = _summary(raw_samples)
    our_p50, our_p99, our_mean = _summary(ours)
    return {"raw_p50_ms": raw_p50, "raw_p99_ms": raw_p99, "service_p50_ms": our_p50,
            "service_p99_ms": our_p99, "service_ratio": raw_mean / our_mean}


def bench_locate_http(env: dict[str, str], url: str, seconds: int = 10) -> dict[str, float]:
    span = SIDE * CELL_DEG
    lua = f"""
        math.randomseed(7)
        request = function()
          local lon = {ORIGIN[0]} + math.random() * {span}
          local lat = {ORIGIN[1]} + math.random() * {span}
          return wrk.format("GET", "/api/v1/grids/locate?lon=" .. lon .. "&lat=" .. lat)
        end
    """
    pgbench_script = f"""
        \\set lon random(0, 1000000)
        \\set lat random(0, 1000000)
        {str(areas.LOCATE_SQL.text).replace(":lon", f"{ORIGIN[0]} + :lon * {span / 1e6}")
                                    .replace(":lat", f"{ORIGIN[1]} + :lat * {span / 1e6}")};
    """
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp, "locate.lua")
        script.write_text(lua)
        bench_sql = Path(tmp, "locate.sql")
        bench_sql.write_text(pgbench_script)
        with gunicorn("grid_api.wsgi:app", env) as base:
            wrk(base + "/healthz", seconds=2)
            http = wrk(base + "/", seconds=seconds, script=str(script))
        tps = _pgbench(url, bench_sql, seconds)
    return {"http_rps": http.requests_per_second, "http_p50_ms": http.p50_ms,
            "http_p99_ms": http.p99_ms, "pgbench_tps": tps,
            "http_ratio": http.requests_per_second / tps}


def _pgbench(url: str, script: Path, seconds: int) -> float:
    binary = shutil.which("pgbench") or "/usr/lib/postgresql/15/bin/pgbench"
    output = subprocess.run(
        [binary, "-n", "-c", "16", "-j", "2", "-T", str(seconds), "-f", str(script),
         _plain_url(url)], check=True, capture_output=True, text=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("tps"))
    return float(line.split("=")[1].split()[0])


def _tile_xy(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def bench_tiles(app, url: str, per_zoom: int = 40) -> dict[str, float]:
    figures: dict[str, float] = {}
    raw = psycopg.connect(_plain_url(url), autocommit=True)
    sql = str(tiles.TILE_SQL.text)
    for name in ("z", "x", "y", "layer", "level"):
        sql = sql.replace(f":{name}", f"%({name})s")
    with app.app_context():
        session = app.extensions["grid_db"].new_session()
        for z in (12, 14):
            coords = [_tile_xy(lon, lat, z) for lon, lat in _random_points(per_zoom)]
            it = iter(coords * 2)
            ours = _timed(lambda z=z, it=it: tiles.render_tile(session, "grids", z, *next(it)),
                          per_zoom)
            it = iter(coords * 2)
            baseline = _timed(lambda z=z, it=it: raw.execute(sql, dict(
                zip(("x", "y"), next(it), strict=True), z=z, layer="grids", level="grid"))
                .fetchone(), per_zoom)
            p50, p99, mean = _summary(ours)
            raw_p50, _, raw_mean = _summary(baseline)
            figures |= {f"z{z}_p50_ms": p50, f"z{z}_p99_ms": p99, f"z{z}_raw_p50_ms": raw_p50,
                        f"z{z}_ratio": raw_mean / mean}
        session.close()
    raw.close()
    return figures


IMPORT_COMMUNITIES, IMPORT_COLUMNS, IMPORT_ROWS = 125, 40, 20  # 125 × 800 = 10^5 cells
IMPORT_ORIGIN = (121.0, 27.0)


def _prepare_import_parents(url: str) -> None:
    """A street with 125 communities (strips of 40 × 20 cells) for the import to fill."""
    x0, y0 = IMPORT_ORIGIN
    width, height = IMPORT_COLUMNS * CELL_DEG, IMPORT_ROWS * CELL_DEG
    with psycopg.connect(_plain_url(url), autocommit=True) as conn:
        conn.execute(f"""
            INSERT INTO areas (code, name, level, parent_id, path, geom)
            SELECT '330106999', 'import street', 'street', id, path,
                   ST_Multi(ST_MakeEnvelope({x0}, {y0}, {x0 + width},
                                            {y0 + IMPORT_COMMUNITIES * height}, 4326))
            FROM areas WHERE code = '330106';
            UPDATE areas SET path = path || id || '/' WHERE code = '330106999';
            INSERT INTO areas (code, name, level, parent_id, path, geom)
            SELECT '330106999' || lpad((k + 1)::text, 3, '0'), 'import community ' || k,
                   'community', s.id, s.path,
                   ST_Multi(ST_MakeEnvelope({x0}, {y0} + k * {height}, {x0 + width},
                                            {y0} + (k + 1) * {height}, 4326))
            FROM areas s, generate_series(0, {IMPORT_COMMUNITIES - 1}) k
            WHERE s.code = '330106999';
            UPDATE areas SET path = path || id || '/' WHERE code LIKE '330106999___';
        """)


def _import_collection() -> dict:
    x0, y0 = IMPORT_ORIGIN
    features = []
    for community in range(IMPORT_COMMUNITIES):
        for n in range(IMPORT_COLUMNS * IMPORT_ROWS):
            row, column = divmod(n, IMPORT_COLUMNS)
            x = x0 + column * CELL_DEG
            y = y0 + (community * IMPORT_ROWS + row) * CELL_DEG
            ring = [[x, y], [x + CELL_DEG, y], [x + CELL_DEG, y + CELL_DEG],
                    [x, y + CELL_DEG], [x, y]]
            features.append({
                "type": "Feature",
                "properties": {"code": f"330106999{community + 1:03d}{n + 1:03d}",
                               "name": f"网格{n + 1}"},
                "geometry": {"type": "Polygon", "coordinates": [ring]}})
    return {"type": "FeatureCollection", "features": features}


def bench_import(app, url: str) -> dict[str, float]:
    """Import 10^5 cells into one street (codes name their communities) vs a bare INSERT."""
    _prepare_import_parents(url)
    collection = _import_collection()
    count = len(collection["features"])
    with app.app_context():
        session = app.extensions["grid_db"].new_session()
        street = areas.find_area_by_code(session, "330106999")
        started = time.perf_counter()
        report = area_import.import_areas(session, area_id=street.id, collection=collection)
        session.flush()
        ours = time.perf_counter() - started
        session.rollback()
        session.close()
    raw = _raw_insert(url, collection)
    return {"features": count, "created": report.created, "import_seconds": ours,
            "features_per_second": count / ours, "raw_insert_seconds": raw, "ratio": raw / ours}


def _raw_insert(url: str, collection: dict) -> float:
    rows = [(f"raw{n:06d}", json.dumps(f["geometry"])) for n, f in
            enumerate(collection["features"])]
    started = time.perf_counter()
    with psycopg.connect(_plain_url(url)) as conn:
        with conn.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO areas (code, name, level, path, geom) VALUES "
                "(%s, 'raw', 'grid', '', ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(%s), 4326)))",
                rows)
        conn.rollback()
    return time.perf_counter() - started


def _print(prefix: str, figures: dict[str, float]) -> dict[str, float]:
    for name, value in figures.items():
        print(f"  {prefix}_{name:28} {value:12.3f}", flush=True)
    return {f"{prefix}_{name}": value for name, value in figures.items()}


def run() -> dict[str, float]:
    figures: dict[str, float] = {}
    with private_services() as env:
        url = env["DATABASE_URL"]
        started = time.perf_counter()
        build_million_cells(url)
        print(f"geography: built {SIDE * SIDE:,} cells in {time.perf_counter() - started:.0f}s; "
              "ratios are raw baseline time / ours (or our throughput / raw)", flush=True)
        app = create_app(settings=Settings.from_env({**os.environ, **env}))
        figures |= _print("locate", bench_locate_in_process(app, url))
        figures |= _print("locate", bench_locate_http(env, url))
        figures |= _print("tile", bench_tiles(app, url))
        figures |= _print("import", bench_import(app, url))
    return figures


if __name__ == "__main__":
    run()
