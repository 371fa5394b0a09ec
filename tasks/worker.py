"""The worker process: RQ worker with RQ's scheduler, plus a ticker for periodic jobs.

Run ``python -m tasks.worker``. Several can run at once: periodic jobs have stable
ids, so tickers in different processes do not pile up duplicates.

Jobs run in the worker process itself (RQ's ``SimpleWorker``), not in a forked work
horse each: a fresh horse opened new database connections and compiled every statement
anew, about 150 ms per job against 25 ms warm. Jobs are short and idempotent (the outbox
row lock and ``processed_at``), and a worker that dies mid-job is made good the same way
as before: its job's heartbeat goes stale and the sweeper runs the message again. A job
beats when it starts, so ``WORKER_HEARTBEAT_STALE_SECONDS`` must exceed the longest job
(an SLA sweep over 10^5 overdue cases takes seconds). A job taken for dead too early is
offered again and does no harm: a second delivery skips the outbox row the first holds
locked, and concurrent SLA sweeps skip each other's locked cases.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from datetime import timedelta

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, SimpleWorker

import tasks.relay  # noqa: F401 - handlers loaded once, before the first job
from grid_api.infra.queues import QUEUE_NAMES, is_active
from tasks.context import job_app

log = logging.getLogger(__name__)

# (job id, function path, queue, the setting that holds its interval in seconds)
PERIODIC_JOBS = (
    ("periodic-outbox-sweep", "tasks.relay.sweep", "low", "outbox_sweep_seconds"),
    ("periodic-sla-sweep", "tasks.dispatch.sla_sweep", "low", "sla_sweep_seconds"),
    ("periodic-patrol-sweep", "tasks.fieldwork.patrol_sweep", "low", "patrol_sweep_seconds"),
    ("periodic-watch-digest", "tasks.residents.watch_digest", "low",
     "watch_digest_sweep_seconds"),
    ("periodic-webhook-retries", "tasks.webhooks.retry_due", "low", "webhook_retry_seconds"),
    ("periodic-tallies", "tasks.tallies.keep", "low", "tally_fold_seconds"),
)
# Longer than RQ's default of 180 s: switching tallies on sums every counter (minutes at
# 10^7 cases); killed at 180 s it would roll back and start over every minute.
JOB_TIMEOUTS = {"periodic-tallies": 6 * 3600}


# RQ's lines for every job it takes, completes and keeps a result of, and for its periodic
# registry clean-up: INFO lines each time a periodic job runs, even when it finds nothing to
# do. The jobs log what they changed themselves, so these go to DEBUG.
RQ_ROUTINE_LINES = frozenset({
    "Worker %s: %s: %s (%s)",  # picked up (with its description) and "Job OK"
    "Worker %s: %s: %s",  # picked up
    "Worker %s: job %s result is kept for %s seconds",
    "Worker %s: job %s result discarded immediately",
    "Successfully completed %s job in %ss on worker %s",
    "Successfully completed job %s in %ss on worker %s",
    "Worker %s: cleaning registries for queue: %s",
})


class RoutineToDebug(logging.Filter):
    """Logs RQ's routine per-job lines at DEBUG (kept only when the logger is at DEBUG)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.INFO and record.msg in RQ_ROUTINE_LINES:
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)
        return True


def quiet_routine_lines() -> None:
    """Install ``RoutineToDebug`` on RQ's worker logger, once."""
    rq_log = logging.getLogger("rq.worker")
    if not any(isinstance(f, RoutineToDebug) for f in rq_log.filters):
        rq_log.addFilter(RoutineToDebug())


def tick(connection: Redis, stale_after: timedelta, due: set[str] | None = None) -> None:
    """Enqueue each (due) periodic job unless one is already waiting or running."""
    for job_id, func, queue_name, _interval in PERIODIC_JOBS:
        if due is not None and job_id not in due:
            continue
        try:
            if not is_active(connection, job_id, stale_after=stale_after, look_in_queue=True):
                Queue(queue_name, connection=connection).enqueue(
                    func, job_id=job_id, result_ttl=60, failure_ttl=3600,
                    job_timeout=JOB_TIMEOUTS.get(job_id),
                )
        except RedisError:
            log.warning("redis unavailable; periodic job %s skipped this tick", job_id)


def _ticker(connection: Redis, settings, stop: threading.Event) -> None:
    next_run = dict.fromkeys((job[0] for job in PERIODIC_JOBS), 0.0)
    while not stop.is_set():
        now = time.monotonic()
        due = {job_id for job_id, at in next_run.items() if at <= now}
        tick(connection, timedelta(seconds=settings.worker_heartbeat_stale_seconds), due)
        for job_id, _func, _queue, interval in PERIODIC_JOBS:
            if job_id in due:
                next_run[job_id] = now + getattr(settings, interval)
        stop.wait(1)


def main(argv: list[str] | None = None) -> None:
    burst = "--burst" in (sys.argv[1:] if argv is None else argv)
    app = job_app()
    settings = app.config["GRID_SETTINGS"]
    quiet_routine_lines()
    # The worker blocks on BLPOP; it needs a connection without the API's short timeouts.
    connection = Redis.from_url(settings.redis_url)
    stop = threading.Event()
    threading.Thread(target=_ticker, args=(connection, settings, stop), daemon=True,
                     name="periodic-ticker").start()
    queues = [Queue(name, connection=connection) for name in QUEUE_NAMES]
    try:
        SimpleWorker(queues, connection=connection).work(with_scheduler=True, burst=burst)
    finally:
        stop.set()


if __name__ == "__main__":
    main()
