"""Patrol benchmark: GPS fixes arriving from many phones.

Fixes at a fixed arrival rate (500 fixes/s in batches of 30, open loop, latency counted
from the scheduled send time so queueing is not hidden), through the API against a raw
baseline in the same run: one INSERT … SELECT FROM unnest of the same 30 points per batch,
one connection per sending thread.
"""

from __future__ import annotations

import http.client
import json
import random
import statistics
import threading
from datetime import UTC, datetime, timedelta

import psycopg

from bench.cases import _open_loop, _pct
from bench.geography import _plain_url
from bench.harness import gunicorn, private_services

RATE_FIXES, BATCH, SECONDS = 500, 30, 20
WORKERS = 50
PASSWORD = "Bench2026pass"  # noqa: S105 - a throwaway bench account
LON0, LAT0 = 120.10, 30.20

RAW_INSERT = """
INSERT INTO patrol_fixes (patrol_id, t, geom, accuracy_m, speed_mps)
SELECT %(patrol)s, f.t, ST_SetSRID(ST_MakePoint(f.lon, f.lat), 4326), f.acc, NULL
FROM unnest(%(ts)s::timestamptz[], %(lons)s::float8[], %(lats)s::float8[],
            %(accs)s::float4[]) AS f(t, lon, lat, acc)
ON CONFLICT DO NOTHING
"""


def _workers(base: str, url: str, count: int) -> list[tuple[str, int]]:
    """Grid workers with an open patrol each: (access token, patrol id)."""
    from grid_api.infra.passwords import PasswordService  # noqa: PLC0415 - bench setup only

    password_hash = PasswordService(memory_kib=1024).hash(PASSWORD)
    with psycopg.connect(_plain_url(url), autocommit=True) as conn:
        for i in range(count):
            conn.execute("INSERT INTO users (phone, display_name, password_hash, roles) "
                         "VALUES (%s, '巡查压测', %s, ARRAY['grid_worker'])",
                         (f"+86137{i:08d}", password_hash))
    host, port = base.removeprefix("http://").split(":")
    workers = []
    for i in range(count):
        conn = http.client.HTTPConnection(host, int(port))
        conn.request("POST", "/api/v1/auth/login", json.dumps(
            {"phone": f"+86137{i:08d}", "password": PASSWORD}),
            {"Content-Type": "application/json"})
        token = json.loads(conn.getresponse().read())["access_token"]
        conn.request("POST", "/api/v1/patrols", "{}", {
            "Content-Type": "application/json", "Authorization": f"Bearer {token}"})
        workers.append((token, json.loads(conn.getresponse().read())["id"]))
    return workers


class _Phones:
    """Which worker sends next, and the next 30 instants of that worker's track."""

    def __init__(self, count: int) -> None:
        self.lock, self.turn = threading.Lock(), 0
        self.clock = [datetime.now(UTC) - timedelta(hours=6)] * count
        self.rng = random.Random(5)

    def next_batch(self) -> tuple[int, list[dict]]:
        with self.lock:
            index = self.turn % len(self.clock)
            self.turn += 1
            start = self.clock[index]
            self.clock[index] = start + timedelta(seconds=10 * BATCH)
            lon, lat = LON0 + self.rng.random() * 0.05, LAT0 + self.rng.random() * 0.05
        return index, [{"t": (start + timedelta(seconds=10 * i)).isoformat(),
                        "lon": lon + i * 0.0001, "lat": lat, "accuracy_m": 8.0}
                       for i in range(BATCH)]


class _HttpSender:
    def __init__(self, base: str, workers: list[tuple[str, int]]) -> None:
        self.host, port = base.removeprefix("http://").split(":")
        self.port, self.workers = int(port), workers
        self.phones, self.local = _Phones(len(workers)), threading.local()

    def __call__(self) -> None:
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = self.local.conn = http.client.HTTPConnection(self.host, self.port)
        index, fixes = self.phones.next_batch()
        token, patrol = self.workers[index]
        conn.request("POST", f"/api/v1/patrols/{patrol}/points", json.dumps({"fixes": fixes}),
                     {"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"fixes refused: {response.status}")


class _RawSender:
    def __init__(self, url: str, patrols: list[int]) -> None:
        self.url, self.patrols = _plain_url(url), patrols
        self.phones, self.local = _Phones(len(patrols)), threading.local()
        self.connections: list[psycopg.Connection] = []

    def __call__(self) -> None:
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = self.local.conn = psycopg.connect(self.url, autocommit=True)
            self.connections.append(conn)
        index, fixes = self.phones.next_batch()
        conn.execute(RAW_INSERT, {
            "patrol": self.patrols[index], "ts": [f["t"] for f in fixes],
            "lons": [f["lon"] for f in fixes], "lats": [f["lat"] for f in fixes],
            "accs": [f["accuracy_m"] for f in fixes]}, prepare=True)


def bench_ingest(env: dict[str, str]) -> dict[str, float]:
    """Fixes at RATE_FIXES per second in batches of BATCH: the API against the raw insert."""
    url, rate = env["DATABASE_URL"], round(RATE_FIXES / BATCH)
    quiet = {"PASSWORD_HASH_MEMORY_KIB": "1024", "AUTH_LIMIT_PER_ADDRESS": "100000 per minute"}
    with gunicorn("grid_api.wsgi:app", env | quiet) as base:
        workers = _workers(base, url, WORKERS)
        ours = _open_loop(_HttpSender(base, workers), rate, SECONDS)
    with psycopg.connect(_plain_url(url), autocommit=True) as conn:
        conn.execute("UPDATE patrols SET finished_at = now() WHERE finished_at IS NULL")
        raw_patrols = [row[0] for row in conn.execute(
            "INSERT INTO patrols (worker_id, started_at) SELECT id, now() - interval '7 hours' "
            "FROM users WHERE phone LIKE '+86137%%' RETURNING id")]
    raw_sender = _RawSender(url, raw_patrols)
    raw = _open_loop(raw_sender, rate, SECONDS)
    for conn in raw_sender.connections:
        conn.close()
    return {"fixes_per_s": rate * BATCH, "batch": BATCH,
            "batch_p50_ms": statistics.median(ours), "batch_p99_ms": _pct(ours, 0.99),
            "raw_batch_p50_ms": statistics.median(raw), "raw_batch_p99_ms": _pct(raw, 0.99),
            "p99_ratio": _pct(ours, 0.99) / _pct(raw, 0.99)}


def run() -> dict[str, float]:
    with private_services() as env:
        figures = bench_ingest(env)
    for name, value in figures.items():
        print(f"patrols.{name}: {value:.1f}" if isinstance(value, float)
              else f"patrols.{name}: {value}")
    return figures
