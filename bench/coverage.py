"""Coverage benchmark: one district's day of patrols — 500 grid workers, 2,000 fixes each
(10^6 fixes), over 2,500 grid cells — measured the way the product does it (every patrol's
fixes placed in their cells and cut into walking time per cell at its finish), then the
district's coverage for the day read back; beside a plain spatial join that counts the
same fixes per cell in one statement, in the same run.
"""

from __future__ import annotations

import statistics
import time
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import psycopg
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from bench.geography import _plain_url
from bench.harness import private_services
from geo import track
from grid_api.fieldwork import coverage, patrols
from models.patrol import Patrol

WORKERS, FIXES_EACH = 500, 2000
DAY = date(2026, 3, 2)
ZONE = ZoneInfo("Asia/Shanghai")

BUILD = """
INSERT INTO areas (code, name, level, path, geom)
VALUES ('330100', 'city', 'city', '/', ST_Multi(ST_MakeEnvelope(120, 30, 121, 31, 4326)));
UPDATE areas SET path = '/' || id || '/' WHERE code = '330100';
INSERT INTO areas (code, name, level, parent_id, path, geom)
SELECT '330106', 'district', 'district', c.id, '',
       ST_Multi(ST_MakeEnvelope(120.1, 30.2, 120.2, 30.3, 4326))
FROM areas c WHERE c.code = '330100';
UPDATE areas d SET path = c.path || d.id || '/' FROM areas c
WHERE d.parent_id = c.id AND d.level = 'district';
INSERT INTO areas (code, name, level, parent_id, path, geom)
SELECT '330106' || lpad((row_number() OVER (ORDER BY g.i, g.j))::text, 8, '0'), 'cell',
       'grid', d.id, '', ST_Multi(g.geom)
FROM areas d, ST_SquareGrid(0.002, d.geom) g
WHERE d.level = 'district' AND ST_Within(ST_Centroid(g.geom), d.geom);
UPDATE areas g SET path = d.path || g.id || '/' FROM areas d
WHERE g.parent_id = d.id AND g.level = 'grid';
INSERT INTO users (phone, display_name, roles, password_hash)
SELECT '+86137' || lpad(w::text, 8, '0'), '巡查', ARRAY['grid_worker'], '!'
FROM generate_series(1, %(workers)s) w;
INSERT INTO patrols (worker_id, started_at, finished_at, finished_by, last_fix_at,
                     last_activity_at, fix_count)
SELECT u.id, %(start)s::timestamptz,
       %(start)s::timestamptz + %(fixes)s::int * interval '5 seconds', 'worker',
       %(start)s::timestamptz + (%(fixes)s::int - 1) * interval '5 seconds', now(), %(fixes)s
FROM users u WHERE u.phone LIKE '+86137%%';
INSERT INTO patrol_fixes (patrol_id, t, geom, accuracy_m)
SELECT w.id, %(start)s::timestamptz + w.i * interval '5 seconds',
       ST_SetSRID(ST_MakePoint(
           least(120.1999, greatest(120.1001, w.lon0 + sum(w.dlon) OVER walk)),
           least(30.2999, greatest(30.2001, w.lat0 + sum(w.dlat) OVER walk))), 4326),
       5 + random() * 10
FROM (SELECT p.id, i, 120.11 + (p.id %% 80) * 0.001 AS lon0,
             30.21 + (p.id / 80 %% 80) * 0.001 AS lat0,
             -- a stroll with a heading: noise of a few metres per fix and a drift
             (random() - 0.5) * 0.00006 + 0.00004 * cos(radians(p.id * 37)) AS dlon,
             (random() - 0.5) * 0.00006 + 0.00004 * sin(radians(p.id * 37)) AS dlat
      FROM patrols p, generate_series(0, %(fixes)s - 1) i) w
WINDOW walk AS (PARTITION BY w.id ORDER BY w.i);
ANALYZE
"""

PLAIN_JOIN = """
SELECT a.id, count(*) FROM patrol_fixes f
JOIN areas a ON a.level = 'grid' AND ST_Covers(a.geom, f.geom)
GROUP BY a.id
"""


def run() -> dict[str, float]:
    figures: dict[str, float] = {"fixes": WORKERS * FIXES_EACH}
    settings = patrols.PatrolSettings(
        rules=track.TrackRules(max_accuracy_m=50, max_walk_speed_mps=7 / 3.6), zone=ZONE,
        idle=timedelta(hours=2), retention=timedelta(days=180))
    with private_services() as env:
        url = env["DATABASE_URL"]
        start = time.perf_counter()
        with psycopg.connect(_plain_url(url), autocommit=True) as conn:
            for statement in filter(str.strip, BUILD.split(";\n")):
                conn.execute(statement, {"workers": WORKERS, "fixes": FIXES_EACH,
                                         "start": f"{DAY}T08:00:00+08:00"})
            cells = conn.execute("SELECT count(*) FROM areas WHERE level = 'grid'").fetchone()[0]
            district = conn.execute("SELECT path FROM areas WHERE level = 'district'"
                                    ).fetchone()[0]
        print(f"  built {WORKERS * FIXES_EACH} fixes over {cells} cells in "
              f"{time.perf_counter() - start:.0f} s", flush=True)
        figures["cells"] = cells
        engine = create_engine(url)
        raw_runs, read_runs = [], []
        with psycopg.connect(_plain_url(url)) as conn:
            for _ in range(3):
                started = time.perf_counter()
                conn.execute(PLAIN_JOIN).fetchall()
                raw_runs.append(time.perf_counter() - started)
        with Session(engine) as session:
            started = time.perf_counter()
            for patrol in session.execute(select(Patrol).order_by(Patrol.id)).scalars():
                patrols.measure(session, patrol, settings)
            session.commit()
            measured = time.perf_counter() - started
            for _ in range(5):
                started = time.perf_counter()
                visited = [c for c in coverage.cells_on(session, district, DAY, limit=10_000)
                           if c["visited"]]
                read_runs.append(time.perf_counter() - started)
        engine.dispose()
    figures |= {"measure_all_patrols_s": measured,
                "measure_per_patrol_ms": measured * 1000 / WORKERS,
                "district_day_read_ms": statistics.median(read_runs) * 1000,
                "cells_visited": len(visited),
                "raw_spatial_join_s": statistics.median(raw_runs)}
    for name, value in figures.items():
        print(f"  coverage_{name:28} {value:12.2f}", flush=True)
    return figures


if __name__ == "__main__":
    run()
