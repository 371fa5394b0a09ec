"""Keep the run script's processes up: restart one that dies, stop them all only when asked.

Each program runs in a process group of its own, so a program that dies takes whatever it
forked with it (RQ's scheduler process outlives a SIGKILLed worker otherwise), and a
terminal's Ctrl-C reaches the supervisor alone, which then stops every program in order.
A program that keeps dying is restarted after a growing pause (1 s, 2 s, 4 s … 30 s); one
that ran for a minute starts again from 1 s.

    python -m devenv.supervise "worker=python -m tasks.worker" "api=gunicorn …"
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

FIRST_DELAY = 1.0
MAX_DELAY = 30.0
HEALTHY_AFTER = 60.0
STOP_GRACE = 10.0


@dataclass
class Program:
    """One supervised command line."""

    name: str
    argv: Sequence[str]
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    delay: float = FIRST_DELAY
    restart_at: float | None = None
    restarts: int = field(default=0)

    def start(self) -> None:
        self.process = subprocess.Popen(list(self.argv), start_new_session=True)
        self.started_at = time.monotonic()
        self.restart_at = None
        log(f"{self.name} started (pid {self.process.pid})")

    def reap(self) -> int | None:
        """The exit status if the program has ended (its whole group is then killed)."""
        if self.process is None or self.process.poll() is None:
            return None
        kill_group(self.process.pid, signal.SIGKILL)  # whatever it forked dies with it
        return self.process.returncode


def log(message: str) -> None:
    print(f"supervisor: {message}", file=sys.stderr, flush=True)


def kill_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


class Supervisor:
    """Start programs, restart the ones that end, stop all on SIGINT or SIGTERM."""

    def __init__(self, programs: Sequence[Program]) -> None:
        self.programs = list(programs)
        self.stopping = False

    def _ask_to_stop(self, _signum: int, _frame: object) -> None:
        self.stopping = True

    def run(self, poll: float = 0.2) -> int:
        signal.signal(signal.SIGINT, self._ask_to_stop)
        signal.signal(signal.SIGTERM, self._ask_to_stop)
        for program in self.programs:
            program.start()
        while not self.stopping:
            self._watch(time.monotonic())
            time.sleep(poll)
        self.stop_all()
        return 0

    def _watch(self, now: float) -> None:
        for program in self.programs:
            if program.restart_at is not None:
                if now >= program.restart_at:
                    program.restarts += 1
                    program.start()
                continue
            status = program.reap()
            if status is None:
                continue
            if now - program.started_at >= HEALTHY_AFTER:
                program.delay = FIRST_DELAY
            log(f"{program.name} exited with status {status}; restarting in "
                f"{program.delay:.0f}s")
            program.restart_at = now + program.delay
            program.delay = min(program.delay * 2, MAX_DELAY)

    def stop_all(self) -> None:
        running = [p for p in self.programs if p.process is not None and p.process.poll() is None]
        for program in running:
            kill_group(program.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE
        for program in running:
            with contextlib.suppress(subprocess.TimeoutExpired):
                program.process.wait(max(0.0, deadline - time.monotonic()))
        for program in self.programs:
            if program.process is not None:
                kill_group(program.process.pid, signal.SIGKILL)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    program.process.wait(5)
        log("stopped")


def main(argv: Sequence[str]) -> int:
    programs = []
    for spec in argv:
        name, _, command = spec.partition("=")
        if not name or not command.strip():
            print("usage: python -m devenv.supervise NAME=COMMAND …", file=sys.stderr)
            return 2
        programs.append(Program(name, shlex.split(command)))
    return Supervisor(programs).run()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
