"""Capacity: CPU per operation for the API, the worker and PostgreSQL, measured on this code.

Runs the demo city with gunicorn (2 workers) and one worker process (push on the log
channel), walks cases through the whole loop over HTTP, and reads each process tree's CPU
from /proc — only the processes this run started, so other work on the machine does not
count. Prints CPU ms per report (with its dispatch and notification jobs), photo, case
action (with its notifications), list page, inbox page, tile and patrol batch of 12 fixes.
docs/capacity.md turns these figures into what a city needs.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import psycopg
import urllib3
from PIL import Image

from bench.harness import ROOT, VENV_BIN, private_services, wait_ready
from devenv.services import free_port
from grid_api.demo.city import DEMO_ACCOUNTS, DEMO_PASSWORD, DEMO_WORKER_POINT

CONCURRENCY = 4
TICKS = os.sysconf("SC_CLK_TCK")


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                stat = (entry / "stat").read_text()
                parent = int(stat[stat.rindex(")") + 2:].split()[1])
                tree.setdefault(parent, []).append(int(entry.name))
    return tree


def tree_cpu(root: int) -> float:
    """CPU seconds of a process and all its descendants, live or reaped."""
    tree, total, stack = _children(), 0.0, [root]
    while stack:
        pid = stack.pop()
        with contextlib.suppress(OSError):
            stat = (Path("/proc") / str(pid) / "stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            # utime, stime, and what reaped children used (cutime, cstime)
            total += sum(int(value) for value in fields[11:15]) / TICKS
        stack.extend(tree.get(pid, []))
    return total


@dataclass
class Processes:
    api: int
    worker: int
    postgres: int

    def cpu(self) -> dict[str, float]:
        return {"api": tree_cpu(self.api), "worker": tree_cpu(self.worker),
                "postgres": tree_cpu(self.postgres)}


class Client:
    def __init__(self, base: str) -> None:
        self.base = base
        self.http = urllib3.PoolManager(maxsize=CONCURRENCY * 2, retries=False)

    def call(self, method: str, path: str, token: str | None = None, *,
             expect: tuple[int, ...] = (200, 201), **kwargs) -> urllib3.BaseHTTPResponse:
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        response = self.http.request(method, self.base + path, headers=headers, **kwargs)
        if response.status not in expect:
            raise RuntimeError(f"{method} {path}: {response.status} {response.data[:300]!r}")
        return response

    def login(self, local_phone: str) -> str:
        return self.call("POST", "/api/v1/auth/login", json={
            "phone": "+86" + local_phone, "password": DEMO_PASSWORD}).json()["access_token"]


def _photo(seed: int) -> bytes:
    """A phone-like 1600×1200 JPEG (noise compresses like a real scene)."""
    image = Image.effect_noise((1600, 1200), 40 + seed % 20).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


@contextlib.contextmanager
def system(env: dict[str, str], workdir: Path, *, api_workers: int = 2,
           ) -> Iterator[tuple[str, Processes]]:
    env = {**os.environ, **env, "PUSH_BACKEND": "log", "STORAGE_DIR": str(workdir / "media"),
           "GRID_ENV": "development", "LOG_LEVEL": "WARNING",
           "LOGIN_LIMIT_PER_ACCOUNT": "100000 per minute",
           "AUTH_LIMIT_PER_ADDRESS": "100000 per minute"}
    started = time.perf_counter()
    subprocess.run([str(VENV_BIN / "grid-api"), "demo"], env=env, cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    print(f"demo city loaded in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    port = free_port()
    api = subprocess.Popen([str(VENV_BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}",
                            "--workers", str(api_workers), "--log-level", "warning",
                            "grid_api.wsgi:app"], cwd=ROOT, env=env)
    worker = subprocess.Popen([sys.executable, "-m", "tasks.worker"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_ready(base + "/healthz", 60)
        postmaster = _postmaster_pid(env["DATABASE_URL"])
        yield base, Processes(api.pid, worker.pid, postmaster)
    finally:
        for process in (api, worker):
            process.terminate()
            process.wait(timeout=60)


def _postmaster_pid(url: str) -> int:
    with psycopg.connect(url.replace("+psycopg", "")) as conn:
        data_dir = conn.execute("SHOW data_directory").fetchone()[0]
    return int(Path(data_dir, "postmaster.pid").read_text().split()[0])


def _drain(url: str, seconds: float = 120) -> None:
    """Wait until the worker delivered every outbox message."""
    deadline = time.monotonic() + seconds
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
        while time.monotonic() < deadline:
            left = conn.execute("SELECT count(*) FROM outbox_messages "
                                "WHERE processed_at IS NULL").fetchone()[0]
            if not left:
                return
            time.sleep(0.2)
    raise RuntimeError("the worker did not drain the outbox")


IDLE: dict[str, float] = {}


def idle_rates(processes: Processes, seconds: float = 10) -> None:
    """CPU seconds per second each side spends doing nothing (heartbeats, periodic jobs,
    PostgreSQL's background writers): subtracted from every measurement."""
    before, started = processes.cpu(), time.perf_counter()
    time.sleep(seconds)
    after, elapsed = processes.cpu(), time.perf_counter() - started
    IDLE.update({side: (after[side] - before[side]) / elapsed for side in after})


def measure(processes: Processes, url: str, items: list, step: Callable[[object], None],
            ) -> dict[str, float]:
    """Run ``step`` for every item (CONCURRENCY at a time); CPU ms per item per side, less
    what the side would have spent idle meanwhile."""
    _drain(url)
    before, started = processes.cpu(), time.perf_counter()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        list(pool.map(step, items))
    elapsed = time.perf_counter() - started
    _drain(url)
    after, window = processes.cpu(), time.perf_counter() - started
    figures = {side: max(0.0, after[side] - before[side] - IDLE.get(side, 0.0) * window)
               * 1000 / len(items) for side in after}
    figures["per_second"] = len(items) / elapsed
    return figures


def measure_all(count: int = 200) -> dict[str, dict[str, float]]:
    rng = random.Random(7)
    with private_services() as env, contextlib.ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        base, processes = stack.enter_context(system(env, workdir))
        client = Client(base)
        tokens = {role.value: client.login(phone) for phone, _name, role in DEMO_ACCOUNTS}
        for role, token in tokens.items():
            client.call("POST", "/api/v1/devices", token,
                        json={"token": f"bench-device-token-{role}", "platform": "android"})
        idle_rates(processes)
        worker, unit, supervisor = tokens["grid_worker"], tokens["unit_staff"], tokens[
            "supervisor"]
        lon0, lat0 = DEMO_WORKER_POINT
        case_ids: list[int] = []
        lock = threading.Lock()

        def report(_n: int) -> None:
            point = [lon0 + rng.uniform(-4e-4, 4e-4), lat0 + rng.uniform(-4e-4, 4e-4)]
            case = client.call("POST", "/api/v1/cases", worker, json={
                "category": "E0104", "description": "容量测试：道路不洁",
                "location": {"type": "Point", "coordinates": point}}).json()
            with lock:
                case_ids.append(case["id"])

        photos = [_photo(n) for n in range(8)]
        results = {"idle_cpu_per_second": dict(IDLE)}
        results["report"] = measure(processes, env["DATABASE_URL"], list(range(count)), report)
        results["photo"] = measure(processes, env["DATABASE_URL"], case_ids, lambda case_id: (
            client.call("POST", f"/api/v1/cases/{case_id}/attachments", worker, fields={
                "purpose": "report",
                "file": ("p.jpg", photos[case_id % len(photos)], "image/jpeg")})))
        steps = [("accept", unit, {}), ("resolve", unit, {"note": "已清扫"}),
                 ("verify", supervisor, {"note": "现场核查通过"}), ("close", supervisor, {})]
        actions = [(case_id, step) for step in steps for case_id in case_ids]
        results["action"] = measure(processes, env["DATABASE_URL"], actions, lambda item: (
            client.call("POST", f"/api/v1/cases/{item[0]}/{item[1][0]}", item[1][1],
                        json=item[1][2])))
        results["list_page"] = measure(processes, env["DATABASE_URL"], list(range(count)),
                                       lambda _n: client.call("GET", "/api/v1/cases?limit=50",
                                                              supervisor))
        results["inbox_page"] = measure(processes, env["DATABASE_URL"], list(range(count)),
                                        lambda _n: client.call("GET", "/api/v1/notifications",
                                                               unit))
        tiles = [(14, 13_660 + dx, 6_746 + dy) for dx in range(-7, 7) for dy in range(-7, 7)]
        results["tile"] = measure(processes, env["DATABASE_URL"], tiles, lambda t: (
            client.call("GET", f"/api/v1/tiles/grids/{t[0]}/{t[1]}/{t[2]}.mvt",
                        expect=(200, 204))))
        clock = [time.time() - 4 * 3600]
        patrol = client.call("POST", "/api/v1/patrols", worker, json={
            "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(clock[0]))}
                             ).json()["id"]

        def batch(_n: int) -> None:
            with lock:
                start, clock[0] = clock[0], clock[0] + 60.5
            fixes = [{"t": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start + 5 * i)),
                      "lon": lon0 + 1e-5 * (i + _n % 50), "lat": lat0, "accuracy_m": 8}
                     for i in range(12)]
            client.call("POST", f"/api/v1/patrols/{patrol}/points", worker,
                        json={"fixes": fixes})

        results["patrol_batch"] = measure(processes, env["DATABASE_URL"], list(range(count)),
                                          batch)
        with psycopg.connect(env["DATABASE_URL"].replace("+psycopg", "")) as conn:
            results["counts"] = {"notifications": conn.execute(
                "SELECT count(*) FROM notifications").fetchone()[0], "cases": len(case_ids)}
    return results


def run(count: int = 200) -> dict:
    results = measure_all(count)
    print("capacity: CPU ms per operation (API / worker / PostgreSQL), and the closed-loop rate")
    for name, figures in results.items():
        if "api" in figures and name != "idle_cpu_per_second":
            print(f"  {name:12} {figures['api']:7.2f} / {figures['worker']:6.2f} / "
                  f"{figures['postgres']:6.2f} ms   {figures['per_second']:7.1f}/s")
    print(json.dumps(results, indent=1))
    return results


if __name__ == "__main__":
    run(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
