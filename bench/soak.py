"""Mixed-load soak: a city's peak-hour request mix for ten minutes, at the rate
docs/capacity.md says this machine holds, against the real system (gunicorn, the worker,
PostgreSQL, Redis) on loopback.

Open loop: each kind of request arrives on its own Poisson clock at its rate, whether or
not earlier ones have been answered, as phones do. Prints p50/p99 per kind, the errors
(any answer that is not the expected one; must be 0), and checks that nothing was lost:
after the worker drains, the database holds exactly the cases, photos, workflow steps and
patrol fixes the API acknowledged.

``BENCH_SOAK_SECONDS`` (default 600) and ``BENCH_SOAK_SCALE`` (default 1.0, a multiplier on
every rate) size the run.
"""

from __future__ import annotations

import collections
import contextlib
import os
import random
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import urllib3

from bench.capacity import Client, _drain, _photo, system
from bench.harness import private_services
from grid_api.demo.city import DEMO_ACCOUNTS, DEMO_PASSWORD, DEMO_WORKER_POINT

# Requests per second: docs/capacity.md, "What this machine holds" (a fifth of the peak hour
# of a city of 10 million: per case 2 photos, 4 actions, 10 list pages, 5 inbox pages).
RATES = {"report": 1.3, "photo": 2.6, "action": 5.2, "list_page": 13.0, "inbox_page": 6.5,
         "tile": 38.0, "patrol_batch": 38.0}
PATROLLERS = 38  # one batch a second each, as many phones as batches per second
FIXES_PER_BATCH = 12
STEPS = (("accept", "unit_staff", {}), ("resolve", "unit_staff", {"note": "已处理"}),
         ("verify", "supervisor", {"note": "现场核查通过"}), ("close", "supervisor", {}))
DESCRIPTION = "浸泡测试：道路不洁"
NOT_YET_DISPATCHED = 409  # the worker has not dispatched the case yet: tried again later


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(
        default_factory=lambda: collections.defaultdict(list))
    errors: collections.Counter = field(default_factory=collections.Counter)
    acknowledged: collections.Counter = field(default_factory=collections.Counter)
    retried: int = 0
    skipped: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, started: float, ok: bool, ack: str | None = None,
               count: int = 1) -> None:
        with self.lock:
            self.latencies[kind].append((time.perf_counter() - started) * 1000)
            if not ok:
                self.errors[kind] += 1
            elif ack:
                self.acknowledged[ack] += count


class Load:
    """The virtual phones and desks, with what they have been told."""

    def __init__(self, client: Client, tokens: dict[str, str], patrols: list[tuple[str, int]],
                 seed: int = 19) -> None:
        self.client, self.tokens, self.patrols = client, tokens, patrols
        self.rng = random.Random(seed)
        self.tally = Tally()
        self.cases: list[int] = []
        # Two photos follow each report (distinct ones: the same photo twice is stored once);
        # a case is handled once its photos are in.
        self.photo_queue: collections.deque[tuple[int, int]] = collections.deque()
        self.pipeline: collections.deque[tuple[float, int, int]] = collections.deque()
        self.clocks = {patrol: datetime.now(UTC) - timedelta(hours=11)
                       for _token, patrol in patrols}
        self.photos = [_photo(n) for n in range(16)]
        self.lock = threading.Lock()
        self.turn = 0

    def _call(self, kind: str, method: str, path: str, token: str | None, *,
              expect: tuple[int, ...] = (200, 201), ack: str | None = None, count: int = 1,
              **kwargs) -> urllib3.BaseHTTPResponse | None:
        started = time.perf_counter()
        try:
            response = self.client.call(method, path, token, expect=expect, **kwargs)
        except (RuntimeError, urllib3.exceptions.HTTPError) as exc:
            print(f"  soak error: {kind}: {str(exc)[:200]}", flush=True)
            self.tally.record(kind, started, ok=False)
            return None
        self.tally.record(kind, started, ok=True, ack=ack if response.status < 300 else None,
                          count=count)
        return response

    def report(self) -> None:
        lon0, lat0 = DEMO_WORKER_POINT
        point = [lon0 + self.rng.uniform(-4e-4, 4e-4), lat0 + self.rng.uniform(-4e-4, 4e-4)]
        response = self._call("report", "POST", "/api/v1/cases", self.tokens["grid_worker"],
                              ack="cases", json={"category": "E0104", "description": DESCRIPTION,
                                                 "location": {"type": "Point",
                                                              "coordinates": point}})
        if response is not None:
            case_id = response.json()["id"]
            with self.lock:
                self.cases.append(case_id)
                self.photo_queue.extend([(case_id, 0), (case_id, 1)])

    def photo(self) -> None:
        with self.lock:
            if not self.photo_queue:
                self.tally.skipped += 1
                return
            case_id, nth = self.photo_queue.popleft()
        picture = self.photos[(case_id * 2 + nth) % len(self.photos)]
        response = self._call("photo", "POST", f"/api/v1/cases/{case_id}/attachments",
                              self.tokens["grid_worker"], ack="photos", fields={
                                  "purpose": "report", "file": ("p.jpg", picture, "image/jpeg")})
        if response is not None and nth == 1:
            with self.lock:
                self.pipeline.append((time.monotonic() + 1, case_id, 0))

    def action(self) -> None:
        with self.lock:
            ready = self.pipeline and self.pipeline[0][0] <= time.monotonic()
            if not ready:
                self.tally.skipped += 1
                return
            _due, case_id, step = self.pipeline.popleft()
        name, role, body = STEPS[step]
        response = self._call("action", "POST", f"/api/v1/cases/{case_id}/{name}",
                              self.tokens[role], ack=f"step_{name}",
                              expect=(200, NOT_YET_DISPATCHED) if step == 0 else (200,),
                              json=body)
        with self.lock:
            if response is not None and response.status == NOT_YET_DISPATCHED:
                self.tally.retried += 1
                self.pipeline.append((time.monotonic() + 2, case_id, step))
            elif response is not None and step + 1 < len(STEPS):
                self.pipeline.append((time.monotonic() + 1, case_id, step + 1))

    def list_page(self) -> None:
        self._call("list_page", "GET", "/api/v1/cases?limit=50", self.tokens["supervisor"])

    def inbox_page(self) -> None:
        self._call("inbox_page", "GET", "/api/v1/notifications", self.tokens["unit_staff"])

    def tile(self) -> None:
        x, y = 13_660 + self.rng.randrange(-7, 7), 6_746 + self.rng.randrange(-7, 7)
        self._call("tile", "GET", f"/api/v1/tiles/grids/14/{x}/{y}.mvt", None,
                   expect=(200, 204))

    def patrol_batch(self) -> None:
        with self.lock:
            token, patrol = self.patrols[self.turn % len(self.patrols)]
            self.turn += 1
            start = self.clocks[patrol]
            self.clocks[patrol] = start + timedelta(seconds=5 * FIXES_PER_BATCH)
        lon0, lat0 = DEMO_WORKER_POINT
        fixes = [{"t": (start + timedelta(seconds=5 * i)).isoformat(),
                  "lon": lon0 + 1e-5 * self.rng.uniform(-30, 30),
                  "lat": lat0 + 1e-5 * self.rng.uniform(-30, 30), "accuracy_m": 8}
                 for i in range(FIXES_PER_BATCH)]
        self._call("patrol_batch", "POST", f"/api/v1/patrols/{patrol}/points", token,
                   ack="fixes", count=FIXES_PER_BATCH, json={"fixes": fixes})


def _arrivals(rate: float, seconds: float, rng: random.Random) -> list[float]:
    at, times = 0.0, []
    while True:
        at += rng.expovariate(rate)
        if at >= seconds:
            return times
        times.append(at)


def drive(load: Load, seconds: float, scale: float) -> float:
    """Every request at its arrival time (open loop); returns how late the generator ran
    behind its schedule at worst, in ms (a late generator would understate latencies)."""
    rng = random.Random(23)
    schedule = sorted((at, kind) for kind, rate in RATES.items()
                      for at in _arrivals(rate * scale, seconds, rng))
    worst_lag = 0.0
    with ThreadPoolExecutor(64) as pool:
        started = time.monotonic()
        for at, kind in schedule:
            delay = started + at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            worst_lag = max(worst_lag, -delay * 1000)
            pool.submit(getattr(load, kind))
    return worst_lag


def _setup(client: Client) -> tuple[dict[str, str], list[tuple[str, int]]]:
    tokens = {role.value: client.login(phone) for phone, _name, role in DEMO_ACCOUNTS}
    for role, token in tokens.items():
        client.call("POST", "/api/v1/devices", token,
                    json={"token": f"soak-device-token-{role}", "platform": "android"})
    me = client.call("GET", "/api/v1/me", tokens["grid_worker"]).json()
    patrols = []
    started = (datetime.now(UTC) - timedelta(hours=11)).isoformat()
    for n in range(PATROLLERS):
        phone = f"1390000{n:04d}"
        client.call("POST", "/api/v1/users", tokens["admin"], json={
            "phone": "+86" + phone, "password": DEMO_PASSWORD, "display_name": f"巡查{n}",
            "roles": ["grid_worker"], "area_id": me.get("area_id"),
            "grid_ids": me.get("grid_ids", [])})
        token = client.login(phone)
        patrol = client.call("POST", "/api/v1/patrols", token,
                             json={"started_at": started}).json()["id"]
        patrols.append((token, patrol))
    return tokens, patrols


def _stored(url: str, cases: list[int], patrols: list[int]) -> dict[str, int]:
    with psycopg.connect(url.replace("+psycopg", "")) as conn:
        stored = {"cases": conn.execute("SELECT count(*) FROM cases WHERE description = %s",
                                        (DESCRIPTION,)).fetchone()[0],
                  "photos": conn.execute("SELECT count(*) FROM attachments WHERE case_id = "
                                         "ANY(%s)", (cases,)).fetchone()[0],
                  "fixes": conn.execute("SELECT count(*) FROM patrol_fixes WHERE patrol_id = "
                                        "ANY(%s)", (patrols,)).fetchone()[0]}
        for name, _role, _body in STEPS:
            stored[f"step_{name}"] = conn.execute(
                "SELECT count(*) FROM case_events WHERE case_id = ANY(%s) AND action = %s",
                (cases, name)).fetchone()[0]
        stored["outbox_left"] = conn.execute(
            "SELECT count(*) FROM outbox_messages WHERE processed_at IS NULL").fetchone()[0]
    return stored


def run() -> dict:
    seconds = float(os.environ.get("BENCH_SOAK_SECONDS", "600"))
    scale = float(os.environ.get("BENCH_SOAK_SCALE", "1.0"))
    with private_services() as env, contextlib.ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        # Tokens outlive the run: a phone refreshes its token every 15 minutes, one request
        # among thousands, which the soak leaves out.
        base, _processes = stack.enter_context(system(
            {**env, "ACCESS_TOKEN_MINUTES": "120"}, workdir, api_workers=4))
        client = Client(base)
        client.http = urllib3.PoolManager(maxsize=64, retries=False)
        tokens, patrols = _setup(client)
        load = Load(client, tokens, patrols)
        print(f"soak: {seconds:.0f} s at {sum(RATES.values()) * scale:.0f} requests/s",
              flush=True)
        lag = drive(load, seconds, scale)
        _drain(env["DATABASE_URL"])
        stored = _stored(env["DATABASE_URL"], load.cases, [p for _t, p in patrols])
    tally = load.tally
    figures: dict = {"seconds": seconds, "generator_worst_lag_ms": round(lag, 1),
                     "errors": sum(tally.errors.values()), "not_yet_dispatched": tally.retried,
                     "skipped_no_work": tally.skipped}
    print(f"  {'kind':14} {'n':>7} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for kind in RATES:
        values = tally.latencies.get(kind, [])
        if not values:
            continue
        p50 = statistics.median(values)
        p99 = sorted(values)[min(len(values) - 1, int(len(values) * 0.99))]
        figures[f"{kind}_n"] = len(values)
        figures[f"{kind}_p50_ms"], figures[f"{kind}_p99_ms"] = round(p50, 1), round(p99, 1)
        print(f"  {kind:14} {len(values):7d} {p50:8.1f} {p99:8.1f} {tally.errors[kind]:7d}")
    lost = {name: (tally.acknowledged[name], stored[name]) for name in tally.acknowledged
            if tally.acknowledged[name] != stored[name]}
    figures["lost_or_extra"] = lost
    figures["outbox_left"] = stored["outbox_left"]
    print(f"  acknowledged {dict(tally.acknowledged)}")
    print(f"  stored       {stored}")
    print(f"  errors {figures['errors']}, nothing lost: {not lost}, outbox drained: "
          f"{stored['outbox_left'] == 0}, generator worst lag {lag:.0f} ms", flush=True)
    return figures


if __name__ == "__main__":
    run()
