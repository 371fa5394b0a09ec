"""Shared bench plumbing: private services, gunicorn processes and wrk runs."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from alembic import command

from devenv.services import PostgisCluster, RedisServer, free_port
from grid_api.infra.migrations_state import alembic_config

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


@contextlib.contextmanager
def private_services() -> Iterator[dict[str, str]]:
    """A migrated throwaway PostGIS and a Redis; yields the environment to run the app in."""
    with tempfile.TemporaryDirectory(prefix="grid-bench-") as tmp:
        cluster = PostgisCluster(Path(tmp) / "pg", database="grid_bench", durable=False).start()
        redis = RedisServer(Path(tmp) / "redis", durable=False).start()
        try:
            command.upgrade(alembic_config(cluster.url), "head")
            yield {"DATABASE_URL": cluster.url, "REDIS_URL": redis.url, "LOG_LEVEL": "WARNING"}
        finally:
            redis.stop()
            cluster.destroy()


def wait_ready(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=1):  # noqa: S310
            return
        time.sleep(0.1)
    raise RuntimeError(f"{url} not ready")


@contextlib.contextmanager
def gunicorn(app_path: str, env: dict[str, str], workers: int = 2) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
         "--log-level", "warning", app_path],
        cwd=ROOT, env={**os.environ, **env},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base + "/healthz")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


@dataclass(frozen=True)
class LoadResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float


def _ms(value: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value)
    if match is None:  # wrk prints nan when no request completed
        return float("nan")
    number, unit = match.groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def wrk(url: str, *, seconds: int = 10, connections: int = 16, threads: int = 1,
        script: str | None = None) -> LoadResult:
    """Closed-loop load with wrk (Debian package ``wrk``); loopback targets only.

    ``script`` is a wrk Lua script (to vary the requests)."""
    binary = shutil.which("wrk")
    if not binary:
        raise RuntimeError("wrk is not installed: apt-get install wrk (make bench does it)")
    output = subprocess.run(
        [binary, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency",
         *(["-s", script] if script else []), url],
        check=True, capture_output=True, text=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = _ms(re.search(r"50%\s+(\S+)", output).group(1))
    p99 = _ms(re.search(r"99%\s+(\S+)", output).group(1))
    return LoadResult(rps, p50, p99)


def cpu_seconds() -> Counter[str]:
    """CPU seconds used so far by the API (gunicorn), PostgreSQL and Redis processes on
    this machine (Linux ``/proc``); compare two readings to see where a run's time went."""
    used: Counter[str] = Counter()
    ticks = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:  # the process ended meanwhile
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        role = ("api" if b"gunicorn" in command else "postgres" if name.startswith("postgres")
                else "redis" if name.startswith("redis") else None)
        if role:
            used[role] += (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
    return used
