"""Evaluation benchmarks: indicators over the per-case counters for one district and one
month, and for the whole city and a year (grouped by month); the one-screen overview of a
district and of the city; a z10 `heat` tile over a month, 30 days across two months and a
year — each beside a plain GROUP BY over the same cases in the same run; exports against
COPY. The city has 10 districts and 125,000 grid cells.

``BENCH_EVALUATION_CASES`` sets the size (default 10^6: on the 2-core development machine
generating 10^7 cases takes about 35 minutes). ``BENCH_EVALUATION_KEEP`` names a directory
where the built city is kept and, on later runs of the same size, reused (migrated to the
current schema first), so the figures at 10^7 can be taken again in minutes."""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import random
import resource
import statistics
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
from alembic import command
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from bench.geography import _plain_url
from bench.harness import private_services
from devenv.services import PostgisCluster
from grid_api.evaluation import exports, heat, indicators, overview, tallies
from grid_api.evaluation.definitions import Definitions
from grid_api.evaluation.indicators import Period, Scope
from grid_api.infra.migrations_state import alembic_config
from grid_api.infra.storage import LocalStorage
from models.export import Export

DISTRICTS = 10
CELL_SIDE = 0.002  # degrees: 25 × 500 = 12,500 cells of about 190 × 220 m per district
ZONE = ZoneInfo("Asia/Shanghai")
RUNS = 30
# Cases still open: a fifth of those of the last weeks (a working city's backlog is weeks
# of cases, not a fifth of two years'); older ones were closed.
BACKLOG = timedelta(days=30)

BUILD = """
INSERT INTO areas (code, name, level, path, geom)
VALUES ('330100', 'city', 'city', '/', ST_Multi(ST_MakeEnvelope(120, 30, 121, 31, 4326)));
UPDATE areas SET path = '/' || id || '/' WHERE code = '330100';
INSERT INTO areas (code, name, level, parent_id, path, geom)
SELECT '3301' || lpad(d::text, 2, '0'), 'district ' || d, 'district', c.id, '',
       ST_Multi(ST_MakeEnvelope(120 + d * 0.05, 30, 120 + (d + 1) * 0.05, 31, 4326))
FROM areas c, generate_series(1, %(districts)s) d WHERE c.code = '330100';
UPDATE areas d SET path = c.path || d.id || '/' FROM areas c
WHERE d.parent_id = c.id AND d.level = 'district';
INSERT INTO areas (code, name, level, parent_id, path, geom)
SELECT d.code || lpad((row_number() OVER (PARTITION BY d.id ORDER BY g.i, g.j))::text, 8, '0'),
       'cell', 'grid', d.id, '', ST_Multi(g.geom)
FROM areas d, ST_SquareGrid(%(cell_side)s, d.geom) g
WHERE d.level = 'district' AND ST_Within(ST_Centroid(g.geom), d.geom);
UPDATE areas g SET path = d.path || g.id || '/' FROM areas d
WHERE g.parent_id = d.id AND g.level = 'grid';
INSERT INTO users (phone, display_name, roles, password_hash)
VALUES ('+8613900000000', 'bench', ARRAY['grid_worker'], '!');
"""

CASES = """
INSERT INTO cases (code, status, category_id, description, location, reporter_id, grid_id,
                   area_path, source, created_at, registered_at, closed_at, rework_count,
                   return_count, deferred)
SELECT 'b' || g,
       (CASE WHEN g %% 10 = 9 THEN 'rejected'
             WHEN g %% 10 >= 7 AND t > %(backlog_from)s THEN 'in_progress'
             ELSE 'closed' END)::case_status,
       %(category)s, '评估',
       ST_SetSRID(ST_MakePoint(120.05 + (g::bigint * 7919 %% 100003) / 100003.0 * 0.5,
                               30 + (g::bigint * 104729 %% 100019) / 100019.0), 4326), %(reporter)s,
       cell.id, cell.path, 'grid_worker', t, CASE WHEN g %% 10 < 9 THEN t END,
       CASE WHEN g %% 10 < 7 OR (g %% 10 < 9 AND t <= %(backlog_from)s)
            THEN t + interval '2 days' END, (g %% 17 = 0)::int,
       (g %% 13 = 0)::int, g %% 29 = 0
FROM generate_series(1, %(count)s) g
CROSS JOIN LATERAL (SELECT %(start)s::timestamptz
                           + (g::float8 / %(count)s) * interval '730 days' AS t) at
JOIN areas cell ON cell.id = %(first_cell)s + (g::bigint * 7919) %% %(cell_count)s
"""

COUNTERS = """
INSERT INTO case_counters
SELECT c.id, c.area_path, 'E0104', c.source, c.reporter_id, c.status::text, c.created_at,
       c.registered_at, c.id %% 5 <> 0, c.status = 'rejected', c.registered_at IS NOT NULL,
       NULL, c.return_count, c.status = 'closed', c.id %% 7 <> 0, (c.status = 'closed')::int,
       (c.status = 'closed' AND c.id %% 11 <> 0)::int, c.id %% 11 <> 0, NULL,
       c.status = 'closed', c.status = 'closed', c.status = 'closed' AND c.id %% 7 <> 0,
       c.rework_count, (c.id %% 19 = 0)::int, c.deferred, c.id %% 7 = 0, false,
       CASE WHEN c.status = 'closed' THEN 1 + c.id %% 5 END,
       NULL, c.created_at + interval '3 days', NULL,
       CASE WHEN c.status = 'in_progress' THEN c.created_at + interval '3 days' END
FROM cases c
"""

RAW_COPY = """COPY (
    SELECT c.code, c.status, c.source, c.urgent, k.code, k.name_zh, a.code, c.address, u.name,
           c.created_at, c.registered_at, c.closed_at, c.return_count, c.rework_count,
           c.rating, ST_X(c.location), ST_Y(c.location)
    FROM cases c JOIN categories k ON k.id = c.category_id JOIN areas a ON a.id = c.grid_id
    LEFT JOIN units u ON u.id = c.unit_id
    WHERE c.created_at >= '2024-12-31T16:00:00Z' AND c.created_at < '2025-12-31T16:00:00Z'
    ORDER BY c.created_at, c.id) TO STDOUT WITH (FORMAT csv, HEADER)"""
RAW_COUNT = """SELECT count(*) FROM cases
    WHERE created_at >= '2024-12-31T16:00:00Z' AND created_at < '2025-12-31T16:00:00Z'"""

BASELINE = """
SELECT {key} AS key, count(*) AS reported,
       count(*) FILTER (WHERE registered_at IS NOT NULL) AS registered,
       count(*) FILTER (WHERE status = 'closed') AS closed,
       count(*) FILTER (WHERE rework_count > 0) AS reworked,
       coalesce(sum(return_count), 0) AS returns
FROM cases WHERE area_path LIKE %(like)s AND created_at >= %(start)s AND created_at < %(end)s
GROUP BY 1
"""


def _build(url: str, count: int) -> dict:
    with psycopg.connect(_plain_url(url), autocommit=True) as conn:
        for statement in filter(str.strip, BUILD.split(";\n")):
            conn.execute(statement, {"districts": DISTRICTS, "cell_side": CELL_SIDE})
        category = conn.execute("SELECT id FROM categories WHERE code = 'E0104'").fetchone()[0]
        reporter = conn.execute("SELECT id FROM users WHERE phone = '+8613900000000'"
                                ).fetchone()[0]
        first, cells = conn.execute("SELECT min(id), count(*) FROM areas WHERE level = 'grid'"
                                    ).fetchone()
        started = time.perf_counter()
        batch = 250_000
        for offset in range(0, count, batch):
            conn.execute(CASES.replace("generate_series(1, %(count)s) g",
                                       f"generate_series({offset + 1}, "
                                       f"{min(count, offset + batch)}) g"),
                         {"category": category, "reporter": reporter, "count": count,
                          "start": datetime(2025, 1, 1, tzinfo=UTC), "first_cell": first,
                          "cell_count": cells, "backlog_from": datetime.now(UTC) - BACKLOG})
        conn.execute(COUNTERS, {})
        print(f"  built {count} cases and counters in {time.perf_counter() - started:.0f} s",
              flush=True)
        figures = {"counter_writes_per_s_untallied": _counter_writes(conn)}
        started = time.perf_counter()
        with Session(create_engine(url)) as session:
            tallies.ensure(session, zone=ZONE.key, depth=tallies.DEFAULT_DEPTH)
            session.commit()
        figures["tallies_built_s"] = time.perf_counter() - started
        figures["counter_writes_per_s_tallied"] = _counter_writes(conn)
        started = time.perf_counter()
        with Session(create_engine(url)) as session:
            tallies.fold(session)
            session.commit()
        figures["tallies_fold_of_writes_ms"] = (time.perf_counter() - started) * 1000
        conn.execute("VACUUM ANALYZE cases")
        conn.execute("VACUUM ANALYZE case_counters")
        # as autovacuum soon does to the emptied queues (their thresholds are low)
        for table in ("tallies", "tally_changes", "heat_tallies", "heat_changes"):
            conn.execute(f"VACUUM ANALYZE {table}")
        districts = [row[0] for row in conn.execute(
            "SELECT path FROM areas WHERE level = 'district' ORDER BY id")]
        city = conn.execute("SELECT path FROM areas WHERE level = 'city'").fetchone()[0]
    return {"districts": districts, "city": city, "figures": figures}


def _counter_writes(conn, rows: int = 20_000) -> float:
    """Counter rows changed per second (each changed and changed back, one transaction
    per 100 rows as the workflow's steps would) — with the tallies' trigger or without."""
    started = time.perf_counter()
    for delta in (1, -1):
        for first in range(1, rows + 1, 100):
            conn.execute("UPDATE case_counters SET returns = returns + %s "
                         "WHERE case_id >= %s AND case_id < %s", (delta, first, first + 100))
    return 2 * rows / (time.perf_counter() - started)


def _timed(run) -> float:
    started = time.perf_counter()
    run()
    return (time.perf_counter() - started) * 1000


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def _ours(session: Session, path: str, first: date, last: date, group_by: str) -> None:
    indicators.compute(session, scope=Scope(area_path=path),
                       period=Period.checked(first, last, ZONE), group_by=group_by,
                       definitions=Definitions(), now=datetime.now(UTC))


def _raw(conn, path: str, first: date, last: date, key: str) -> None:
    period = Period.checked(first, last, ZONE)
    conn.execute(BASELINE.format(key=key), {"like": path + "%", "start": period.start,
                                            "end": period.end}).fetchall()


HEAT_BASELINE = """
SELECT floor((ST_X(g) - ST_XMin(t)) / ((ST_XMax(t) - ST_XMin(t)) / 64)) AS i,
       floor((ST_Y(g) - ST_YMin(t)) / ((ST_XMax(t) - ST_XMin(t)) / 64)) AS j, count(*)
FROM (SELECT ST_Transform(location, 3857) AS g, ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS t
      FROM cases WHERE location && ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s), 4326)
        AND created_at >= %(start)s AND created_at < %(end)s) p
GROUP BY 1, 2
"""
OVERVIEW_BASELINE = """
SELECT status, count(*) FROM cases WHERE area_path LIKE %(like)s GROUP BY 1
"""
HEAT_TILES = {"z10": (10, 854, 420),  # inside the benchmark city: 120.23°–120.59° E
              "z14": (14, 13_675, 6_725)}  # 30.45°–30.75° N; z14: 2.2 × 1.9 km in it


def _heat(session: Session, tile: str, first: date, last: date) -> None:
    z, x, y = HEAT_TILES[tile]
    heat.heat_tile(session, area_path="/", period=Period.checked(first, last, ZONE),
                   category=None, z=z, x=x, y=y)


def _raw_heat(conn, tile: str, first: date, last: date) -> None:
    z, x, y = HEAT_TILES[tile]
    period = Period.checked(first, last, ZONE)
    conn.execute(HEAT_BASELINE, {"z": z, "x": x, "y": y, "start": period.start,
                                 "end": period.end}).fetchall()


def _export_child(url: str, export_id: int, folder: str, pipe) -> None:
    """In a process of its own, so its peak memory is the export's alone."""
    engine = create_engine(url)
    with Session(engine) as session:
        started = time.perf_counter()
        exports.run_export(session, LocalStorage(folder), export_id, zone=ZONE,
                           ttl=timedelta(hours=1), report=lambda *_: None)
        session.commit()
        seconds = time.perf_counter() - started
        rows = session.get(Export, export_id).rows_total
    pipe.send({"rows": rows, "seconds": seconds,
               "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})
    engine.dispose()


def bench_export(url: str, fmt: str) -> dict[str, float]:
    """A CSV or XLSX of every case of the city reported in 2025 (half of them),
    against PostgreSQL's COPY of the same columns to a file."""
    with psycopg.connect(_plain_url(url), autocommit=True) as conn:
        admin = conn.execute(
            "INSERT INTO users (phone, display_name, roles, password_hash) VALUES "
            "('+8613900000001', 'admin', ARRAY['admin'], '!') ON CONFLICT (phone) "
            "DO UPDATE SET display_name = excluded.display_name RETURNING id").fetchone()[0]
        export_id = conn.execute(
            "INSERT INTO exports (user_id, kind, format, params, status) VALUES "
            "(%s, 'cases', %s, %s, 'queued') RETURNING id",
            (admin, fmt, json.dumps({"from": "2025-01-01", "to": "2025-12-31"}))).fetchone()[0]
        with tempfile.TemporaryDirectory() as folder:
            started = time.perf_counter()
            with (open(Path(folder) / "raw.csv", "wb") as out,
                  conn.cursor().copy(RAW_COPY) as copy):
                for chunk in copy:
                    out.write(chunk)
            raw_seconds = time.perf_counter() - started
            rows = conn.execute(RAW_COUNT).fetchone()[0]
            ours, child = multiprocessing.Pipe()
            process = multiprocessing.Process(target=_export_child,
                                              args=(url, export_id, folder, child))
            process.start()
            result = ours.recv()
            process.join()
    return {f"export_{fmt}_rows": result["rows"],
            f"export_{fmt}_rows_per_s": result["rows"] / result["seconds"],
            f"export_{fmt}_peak_mib": result["peak_mib"],
            f"raw_copy_{fmt}_rows_per_s": rows / raw_seconds}


@contextlib.contextmanager
def _city(count: int) -> Iterator[tuple[dict[str, str], dict]]:
    """A built city of ``count`` cases: throwaway, or kept in BENCH_EVALUATION_KEEP."""
    kept = os.environ.get("BENCH_EVALUATION_KEEP")
    if not kept:
        with private_services() as env:
            yield env, _build(env["DATABASE_URL"], count)
        return
    cluster = PostgisCluster(Path(kept) / "pg", database="grid_bench", durable=False).start()
    try:
        command.upgrade(alembic_config(cluster.url), "head")
        saved = Path(kept) / f"places-{count}.json"
        if saved.exists():
            places = json.loads(saved.read_text())
            with psycopg.connect(_plain_url(cluster.url), autocommit=True) as conn:
                conn.execute("VACUUM ANALYZE case_counters")  # after a migration's new indexes
        else:
            places = _build(cluster.url, count)
            saved.write_text(json.dumps(places))
        yield {"DATABASE_URL": cluster.url}, places
    finally:
        cluster.stop()


def run() -> dict[str, float]:
    count = int(os.environ.get("BENCH_EVALUATION_CASES", "1000000"))
    rng = random.Random(14)
    figures: dict[str, float] = {"cases": count}
    with _city(count) as (env, places):
        figures |= places.pop("figures")
        engine = create_engine(env["DATABASE_URL"])
        months = [date(2025 + m // 12, 1 + m % 12, 1) for m in range(24)]

        def month_end(first: date) -> date:
            nxt = date(first.year + first.month // 12, 1 + first.month % 12, 1)
            return date.fromordinal(nxt.toordinal() - 1)

        samples: dict[str, list[float]] = {name: [] for name in (
            "district_month", "raw_district_month", "city_year", "raw_city_year")}
        with Session(engine) as session, psycopg.connect(_plain_url(env["DATABASE_URL"])) as raw:
            for _ in range(RUNS):
                district, month = rng.choice(places["districts"]), rng.choice(months)
                samples["district_month"].append(_timed(lambda d=district, m=month: _ours(
                    session, d, m, month_end(m), "none")))
                samples["raw_district_month"].append(_timed(lambda d=district, m=month: _raw(
                    raw, d, m, month_end(m), "1")))
            for year in (2025, 2026) * 5:
                samples["city_year"].append(_timed(lambda y=year: _ours(
                    session, places["city"], date(y, 1, 1), date(y, 12, 31), "month")))
                samples["raw_city_year"].append(_timed(lambda y=year: _raw(
                    raw, places["city"], date(y, 1, 1), date(y, 12, 31),
                    "date_trunc('month', created_at)")))
            for path in [places["city"], *places["districts"][:4]] * 2:
                samples.setdefault("overview", []).append(_timed(lambda p=path: (
                    overview.figures(session, area_path=p, zone=ZONE, now=datetime.now(UTC),
                                     soon_until=datetime.now(UTC) + timedelta(hours=9),
                                     with_cases=True), session.rollback())))
                samples.setdefault("raw_overview", []).append(_timed(lambda p=path: raw.execute(
                    OVERVIEW_BASELINE, {"like": p + "%"}).fetchall()))
            for _ in range(RUNS):
                month = rng.choice(months)
                for tile in HEAT_TILES:
                    day = month + timedelta(days=rng.randrange(28))
                    for span, first, last in (("month", month, month_end(month)),
                                              ("30_days", day - timedelta(days=29), day),
                                              ("year", date(2025, 1, 1), date(2025, 12, 31))):
                        name = f"heat_{tile}_{span}"
                        samples.setdefault(name, []).append(_timed(
                            lambda t=tile, f=first, e=last: _heat(session, t, f, e)))
                        samples.setdefault(f"raw_{name}", []).append(_timed(
                            lambda t=tile, f=first, e=last: _raw_heat(raw, t, f, e)))
        engine.dispose()
        exported = bench_export(env["DATABASE_URL"], "csv") | bench_export(
            env["DATABASE_URL"], "xlsx")
    figures |= exported
    for name, values in samples.items():
        figures[f"{name}_p50_ms"] = statistics.median(values)
        figures[f"{name}_p95_ms"] = _pct(values, 0.95)
    for name, value in figures.items():
        print(f"  evaluation_{name:30} {value:12.2f}", flush=True)
    return figures
