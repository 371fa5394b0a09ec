"""The run script's supervisor: a dead worker or API comes back, Ctrl-C alone stops all,
and a killed worker leaves no RQ scheduler process behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SLEEPER = ("{python} -c \"import os, sys, time; "
           "open(sys.argv[1], 'a').write(f'{{os.getpid()}}\\n'); time.sleep(600)\" {path}")


def _supervise(*programs: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "devenv.supervise", *programs], cwd=ROOT,
                            env={**os.environ, **(env or {})}, stderr=subprocess.DEVNULL)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def _wait_for(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.1)
    raise AssertionError(f"{what} within {seconds}s")


def _pids(path: Path) -> list[int]:
    return [int(line) for line in path.read_text().split()] if path.exists() else []


def _stop(supervisor: subprocess.Popen) -> int:
    supervisor.send_signal(signal.SIGINT)  # what Ctrl-C sends
    return supervisor.wait(timeout=30)


def test_a_dead_program_is_restarted_and_only_ctrl_c_stops_all(tmp_path):
    first, second = tmp_path / "first.pids", tmp_path / "second.pids"
    supervisor = _supervise(f"first={SLEEPER.format(python=sys.executable, path=first)}",
                            f"second={SLEEPER.format(python=sys.executable, path=second)}")
    try:
        _wait_for(lambda: _pids(first) and _pids(second), 20, "both programs started")
        os.kill(_pids(first)[0], signal.SIGKILL)  # the worker dies, say
        _wait_for(lambda: len(_pids(first)) == 2, 20, "the dead program restarted")
        assert supervisor.poll() is None  # nothing else stopped …
        assert len(_pids(second)) == 1
        assert _alive(_pids(second)[0])
        os.kill(_pids(first)[1], signal.SIGKILL)  # dies again: a longer pause, then back
        _wait_for(lambda: len(_pids(first)) == 3, 20, "the program restarted again")
    finally:
        status = _stop(supervisor)
    assert status == 0
    assert not any(_alive(pid) for pid in _pids(first) + _pids(second))


def test_a_killed_worker_comes_back_without_an_orphaned_scheduler(app, test_env):
    supervisor = _supervise(f"worker={sys.executable} -m tasks.worker",
                            env={**test_env, "LOG_LEVEL": "WARNING"})
    try:
        worker = _wait_for(lambda: _children(supervisor.pid), 30, "the worker started")[0]
        scheduler = _wait_for(lambda: _children(worker), 30, "RQ's scheduler started")[0]
        os.kill(worker, signal.SIGKILL)
        _wait_for(lambda: not _alive(scheduler), 10, "the orphaned scheduler gone")
        again = _wait_for(lambda: [p for p in _children(supervisor.pid) if p != worker], 30,
                          "a new worker")
        assert _alive(again[0])
    finally:
        assert _stop(supervisor) == 0


@pytest.mark.parametrize("spec", ["worker", "=python -c pass", "worker="])
def test_a_program_needs_a_name_and_a_command(spec):
    assert subprocess.run([sys.executable, "-m", "devenv.supervise", spec], cwd=ROOT,
                          capture_output=True, check=False).returncode == 2
