"""Dispatch benchmarks: latency from a committed registration to the case being dispatched
by a real worker, against an RQ no-op job's latency in the same run; and one SLA sweep over
10^5 overdue cases."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import psycopg
from redis import Redis
from rq import Queue
from sqlalchemy import text

from bench.geography import _plain_url, build_million_cells
from bench.harness import ROOT, private_services
from grid_api.app import create_app
from grid_api.cases import filing
from grid_api.config import Settings
from grid_api.dispatch import escalation, routing
from grid_api.identity.principals import principal_for
from models.unit import Unit
from models.user import User

COUNT = 100
FAST = {"OUTBOX_SWEEP_SECONDS": "5", "LOG_LEVEL": "WARNING"}


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


RATE = 5  # registrations per second: a busy district at rush hour


def _noop_latency(redis_url: str, count: int = COUNT) -> list[float]:
    """Enqueue ``time.time`` (a no-op whose result is when it ran) and read the results."""
    connection = Redis.from_url(redis_url)
    queue = Queue("high", connection=connection)
    jobs = []
    for _ in range(count):
        jobs.append((time.time(), queue.enqueue("time.time")))
        time.sleep(1 / RATE)
    deadline = time.monotonic() + 60
    latencies = []
    for sent, job in jobs:
        while (result := job.latest_result()) is None or result.return_value is None:
            if time.monotonic() > deadline:
                raise RuntimeError("no-op jobs did not run")
            time.sleep(0.01)
        latencies.append((result.return_value - sent) * 1000)
    return latencies


def _dispatch_latency(app, count: int = COUNT) -> list[float]:
    database = app.extensions["grid_db"]
    settings = app.extensions["grid_case_settings"]
    committed_at: dict[int, float] = {}
    with app.app_context():
        with database.new_session() as session:
            worker = session.query(User).filter_by(phone="+8613900000009").one()
            principal = principal_for(session, worker.id)
        for n in range(count):
            with database.new_session() as session:
                filed = filing.report_case(
                    session, principal, settings, category="E0104",
                    description=f"派遣延迟 {n}", lon=119.505 + n * 1e-4, lat=29.55, crs="wgs84")
                session.commit()  # the after-commit hook hands the job to RQ here
                committed_at[filed.case.id] = time.time()
            time.sleep(1 / RATE)
    deadline = time.monotonic() + 120
    with psycopg.connect(_plain_url(app.config["GRID_SETTINGS"].database_url)) as conn:
        while True:
            rows = conn.execute("SELECT id, extract(epoch FROM dispatched_at) FROM cases "
                                "WHERE id = ANY(%s) AND dispatched_at IS NOT NULL",
                                (list(committed_at),)).fetchall()
            conn.commit()
            if len(rows) == count or time.monotonic() > deadline:
                break
            time.sleep(0.2)
    if len(rows) != count:
        raise RuntimeError(f"only {len(rows)} of {count} cases were dispatched")
    return [(float(at) - committed_at[case_id]) * 1000 for case_id, at in rows]


def _setup(app) -> None:
    database = app.extensions["grid_db"]
    with database.new_session() as session:
        unit = Unit(code="BENCH", name="压测单位")
        session.add(unit)
        session.flush()
        district = session.execute(text("SELECT id FROM areas WHERE code = '330106'")).scalar()
        routing.create_rule(session, category="E01", area_id=district, unit_id=unit.id)
        session.add(User(phone="+8613900000009", display_name="压测网格员",
                         roles=["grid_worker", "supervisor"], password_hash="!",  # noqa: S106 - cannot sign in
                         area_id=district))
        session.commit()


def bench_sla(url: str, redis_url: str, count: int = 100_000) -> dict[str, float]:
    with psycopg.connect(_plain_url(url), autocommit=True) as conn:
        conn.execute("""
            INSERT INTO cases (code, status, category_id, description, location, reporter_id,
                               grid_id, area_path, handle_deadline, unit_id, source)
            SELECT 'sla' || g, 'in_progress', c.category_id, '超期', c.location, c.reporter_id,
                   c.grid_id, c.area_path, now() - interval '1 hour', c.unit_id, c.source
            FROM generate_series(1, %s) g, (SELECT * FROM cases LIMIT 1) c
        """, (count,))
        conn.execute("VACUUM ANALYZE cases")
    app = create_app(settings=Settings.from_env({**os.environ, "DATABASE_URL": url,
                                                 "REDIS_URL": redis_url}))
    with app.app_context(), app.extensions["grid_db"].new_session() as session:
        started = time.perf_counter()
        escalated = escalation.sweep(session, now=datetime.now(UTC), interval=timedelta(hours=4))
        session.commit()
        seconds = time.perf_counter() - started
    return {"overdue_cases": count, "escalated": escalated, "sweep_seconds": seconds}


def run() -> dict[str, float]:
    figures: dict[str, float] = {}
    with private_services() as env:
        build_million_cells(env["DATABASE_URL"], side=100)
        app = create_app(settings=Settings.from_env({**os.environ, **env, **FAST}))
        _setup(app)
        worker = subprocess.Popen([sys.executable, "-m", "tasks.worker"], cwd=ROOT,
                                  env={**os.environ, **env, **FAST},
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            time.sleep(2)
            noop = _noop_latency(env["REDIS_URL"])
            dispatched = _dispatch_latency(app)
        finally:
            worker.terminate()
            worker.wait(timeout=30)
        figures |= {
            "noop_p50_ms": statistics.median(noop), "noop_p99_ms": _pct(noop, 0.99),
            "dispatch_p50_ms": statistics.median(dispatched),
            "dispatch_p99_ms": _pct(dispatched, 0.99),
            "p99_ratio_noop_to_dispatch": _pct(noop, 0.99) / _pct(dispatched, 0.99),
        }
        for name, value in figures.items():
            print(f"  dispatch_{name:30} {value:10.2f}", flush=True)
        sweep = bench_sla(env["DATABASE_URL"], env["REDIS_URL"])
        for name, value in sweep.items():
            print(f"  sla_{name:35} {value:10.2f}", flush=True)
        figures |= sweep
    return figures


if __name__ == "__main__":
    run()
