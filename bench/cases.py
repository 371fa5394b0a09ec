"""Case benchmarks: report ingest (no photos) and GET /cases with 10^6 cases stored.

Ingest is measured two ways, each against a raw baseline in the same run — one SQL
statement that locates the cell and inserts the case and its event:
- capacity: closed-loop throughput (wrk vs threads sending the raw statement);
- a fixed arrival rate (25 reports/s, open loop, latency counted from the scheduled
  send time so queueing is not hidden): p50/p99.
"""

from __future__ import annotations

import http.client
import json
import random
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg

from bench.geography import _plain_url, build_million_cells
from bench.harness import cpu_seconds, gunicorn, private_services, wrk

SIDE = 100  # a 100 × 100 cell grid (0.1° square) is plenty for ingest
X0, Y0, SPAN = 119.5, 29.5 + 0.9, 0.1  # the north-west corner rows of the synthetic grid
RATE, SECONDS = 25, 20
CAPACITY_SECONDS = 10

RAW_REPORT = """
WITH cell AS (
    SELECT id, path FROM areas
    WHERE level = 'grid' AND valid_to IS NULL
      AND ST_Covers(geom, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326))
    ORDER BY code LIMIT 1),
c AS (
    INSERT INTO cases (code, status, category_id, description, location, reporter_id,
                       grid_id, area_path, source)
    SELECT 'raw' || nextval('case_code_seq'), 'reported', %(category)s, %(description)s,
           ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326), %(reporter)s, cell.id, cell.path,
           'resident_app
    FROM cell RETURNING id)
INSERT INTO case_events (case_id, seq, action, to_status)
SELECT id, 0, 'report', 'reported' FROM c
"""


def _point(rng: random.Random) -> tuple[float, float]:
    return X0 + rng.random() * SPAN, Y0 + rng.random() * SPAN


def _token(base: str, phone: str) -> str:
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port))
    body = {"phone": phone, "password": "Bench2026pass", "display_name": "压测"}
    conn.request("POST", "/api/v1/auth/register", json.dumps(body),
                 {"Content-Type": "application/json"})
    conn.getresponse().read()
    conn.request("POST", "/api/v1/auth/login",
                 json.dumps({"phone": phone, "password": body["password"]}),
                 {"Content-Type": "application/json"})
    return json.loads(conn.getresponse().read())["access_token"]


def _report_body(rng: random.Random) -> str:
    lon, lat = _point(rng)
    return json.dumps({"category": "E0104", "description": "压测：道路不洁",
                       "location": {"type": "Point", "coordinates": [lon, lat]}})


def _open_loop(send, rate: int, seconds: int) -> list[float]:
    """Send at a fixed rate; latency from the scheduled time, in ms."""
    latencies: list[float] = []
    lock = threading.Lock()
    start = time.perf_counter() + 0.2

    def one(scheduled: float) -> None:
        delay = scheduled - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        send()
        with lock:
            latencies.append((time.perf_counter() - scheduled) * 1000)

    with ThreadPoolExecutor(max_workers=64) as pool:
        for i in range(rate * seconds):
            pool.submit(one, start + i / rate)
    return latencies


class _HttpSender:
    def __init__(self, base: str, token: str) -> None:
        self.host, port = base.removeprefix("http://").split(":")
        self.port, self.token = int(port), token
        self.local = threading.local()
        self.rng = random.Random(3)

    def __call__(self) -> None:
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = self.local.conn = http.client.HTTPConnection(self.host, self.port)
        conn.request("POST", "/api/v1/cases", _report_body(self.rng), {
            "Content-Type": "application/json", "Authorization": f"Bearer {self.token}"})
        response = conn.getresponse()
        response.read()
        if response.status != 201:
            raise RuntimeError(f"report failed: {response.status}")


class _RawSender:
    def __init__(self, url: str, reporter: int, category: int) -> None:
        self.url, self.local = _plain_url(url), threading.local()
        self.params = {"reporter": reporter, "category": category, "description": "压测"}
        self.rng = random.Random(3)
        # Held here, not only by the sending threads: their server processes must outlive
        # the threads so that the CPU they used can be read.
        self.connections: list[psycopg.Connection] = []

    def __call__(self) -> None:
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = self.local.conn = psycopg.connect(self.url, autocommit=True)
            self.connections.append(conn)
        lon, lat = _point(self.rng)
        conn.execute(RAW_REPORT, self.params | {"lon": lon, "lat": lat}, prepare=True)


def _closed_loop(send, threads: int, seconds: int) -> float:
    count = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def loop() -> None:
        while time.perf_counter() < deadline:
            send()
            with lock:
                count[0] += 1

    workers = [threading.Thread(target=loop) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return count[0] / seconds


def _per_report(cpu_seconds_used: float, reports_per_second: float) -> float:
    return cpu_seconds_used / (reports_per_second * CAPACITY_SECONDS) * 1000


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def bench_ingest(env: dict[str, str]) -> dict[str, float]:
    url = env["DATABASE_URL"]
    with gunicorn("grid_api.wsgi:app", env) as base:
        token = _token(base, "13900000001")
        with psycopg.connect(_plain_url(url)) as conn:
            reporter = conn.execute("SELECT id FROM users WHERE phone = '+8613900000001'"
                                    ).fetchone()[0]
            category = conn.execute("SELECT id FROM categories WHERE code = 'E0104'"
                                    ).fetchone()[0]
        http_sender, raw_sender = _HttpSender(base, token), _RawSender(url, reporter, category)
        with tempfile.TemporaryDirectory() as tmp:
            script = Path(tmp, "report.lua")
            script.write_text(f"""
                math.randomseed(3)
                wrk.method = "POST"
                wrk.headers["Content-Type"] = "application/json"
                wrk.headers["Authorization"] = "Bearer {token}"
                request = function()
                  local lon = {X0} + math.random() * {SPAN}
                  local lat = {Y0} + math.random() * {SPAN}
                  local body = '{{"category": "E0104", "description": "load", ' ..
                    '"location": {{"type": "Point", "coordinates": [' .. lon .. ', ' .. lat ..
                    ']}}}}'
                  return wrk.format(nil, "/api/v1/cases", nil, body)
                end
            """)
            before = cpu_seconds()
            capacity = wrk(base + "/", seconds=CAPACITY_SECONDS, connections=8,
                           script=str(script))
            used = cpu_seconds() - before
        before, client_before = cpu_seconds(), time.process_time()
        raw_capacity = _closed_loop(raw_sender, threads=8, seconds=CAPACITY_SECONDS)
        raw_used, raw_client = cpu_seconds() - before, time.process_time() - client_before
        ours = _open_loop(http_sender, RATE, SECONDS)
    raw = _open_loop(raw_sender, RATE, SECONDS)
    for conn in raw_sender.connections:
        conn.close()
    return {
        "capacity_rps": capacity.requests_per_second, "raw_capacity_rps": raw_capacity,
        "capacity_ratio": capacity.requests_per_second / raw_capacity,
        # Where a report's time goes, in CPU ms per report (both sides share two cores).
        "api_cpu_ms_per_report": _per_report(used["api"], capacity.requests_per_second),
        "postgres_cpu_ms_per_report": _per_report(used["postgres"],
                                                  capacity.requests_per_second),
        "raw_client_cpu_ms_per_report": _per_report(raw_client, raw_capacity),
        "raw_postgres_cpu_ms_per_report": _per_report(raw_used["postgres"], raw_capacity),
        f"at_{RATE}_per_s_p50_ms": statistics.median(ours),
        f"at_{RATE}_per_s_p99_ms": _pct(ours, 0.99),
        f"raw_at_{RATE}_per_s_p50_ms": statistics.median(raw),
        f"raw_at_{RATE}_per_s_p99_ms": _pct(raw, 0.99),
    }


MILLION_CASES = """
INSERT INTO cases (code, status, category_id, description, location, reporter_id, grid_id,
                   area_path, created_at, updated_at, source)
SELECT 'm' || g, 'registered', %(category)s, '历史案件',
       ST_PointOnSurface(a.geom), %(reporter)s, a.id, a.path,
       now() - (g || ' seconds')::interval, now(), 'grid_worker'
FROM generate_series(1, %(count)s) g
JOIN LATERAL (SELECT id, geom, path FROM areas
              WHERE level = 'grid' AND code = '330106' || lpad((1 + g %% 10)::text, 3, '0')
                    || lpad((g %% 100)::text, 3, '0') || lpad((g %% 1000)::text, 3, '0')
             ) a ON true
"""


def bench_list(env: dict[str, str], count: int = 1_000_000) -> dict[str, float]:
    """A district supervisor's case list (their scope: all 10^6), and a filtered one."""
    url = env["DATABASE_URL"]
    with gunicorn("grid_api.wsgi:app", env) as base:
        token = _token(base, "13900000002")
        with psycopg.connect(_plain_url(url), autocommit=True) as conn:
            reporter = conn.execute(
                "UPDATE users SET roles = '{supervisor}', area_id = (SELECT id FROM areas "
                "WHERE code = '330106') WHERE phone = '+8613900000002' RETURNING id"
            ).fetchone()[0]
            category = conn.execute("SELECT id FROM categories WHERE code = 'E0104'"
                                    ).fetchone()[0]
            started = time.perf_counter()
            conn.execute(MILLION_CASES, {"category": category, "reporter": reporter,
                                         "count": count})
            conn.execute("VACUUM ANALYZE cases")
            stored = conn.execute("SELECT count(*) FROM cases").fetchone()[0]
            print(f"cases: stored {stored:,} in {time.perf_counter() - started:.0f}s",
                  flush=True)
        with tempfile.TemporaryDirectory() as tmp:
            script = Path(tmp, "list.lua")
            script.write_text(f'wrk.headers["Authorization"] = "Bearer {token}"\n')
            first_page = wrk(base + "/api/v1/cases?limit=50", seconds=10, connections=4,
                             script=str(script))
            filtered = wrk(base + "/api/v1/cases?limit=50&status=registered&category=E01"
                           f"&area={_street_id(url)}", seconds=10, connections=4,
                           script=str(script))
    return {"stored": stored, "scope_p50_ms": first_page.p50_ms,
            "scope_p99_ms": first_page.p99_ms, "scope_rps": first_page.requests_per_second,
            "filtered_p50_ms": filtered.p50_ms, "filtered_p99_ms": filtered.p99_ms}


def _street_id(url: str) -> int:
    with psycopg.connect(_plain_url(url)) as conn:
        return conn.execute("SELECT id FROM areas WHERE code = '330106003'").fetchone()[0]


def run() -> dict[str, float]:
    figures: dict[str, float] = {}
    with private_services() as env:
        build_million_cells(env["DATABASE_URL"])
        for name, bench in (("ingest", bench_ingest), ("list", bench_list)):
            for key, value in bench(env).items():
                print(f"  cases_{name}_{key:28} {value:12.3f}", flush=True)
                figures[f"{name}_{key}"] = value
    return figures


if __name__ == "__main__":
    run()
