"""Quiet logs: periodic jobs that find nothing to do write nothing at INFO (what a job
changed is logged by the job: tests/api/test_dispatch_logs.py)."""

import logging
from datetime import timedelta

from redis import Redis
from rq import Queue, SimpleWorker

from grid_api.infra.queues import QUEUE_NAMES
from tasks import worker

STALE = timedelta(seconds=90)
# Once per worker process, not per job.
WORKER_LIFE = ("started with PID", "Listening on", "channel", "quitting")


def _idle_cycle(app) -> None:
    """One round of the periodic jobs (outbox sweep, SLA sweep) on a real worker."""
    connection = Redis.from_url(app.config["GRID_SETTINGS"].redis_url)
    worker.tick(connection, STALE)
    queues = [Queue(name, connection=connection) for name in QUEUE_NAMES]
    SimpleWorker(queues, connection=connection).work(burst=True, with_scheduler=False)


def test_an_idle_round_of_periodic_jobs_writes_no_info_line(app, committed, caplog):
    worker.quiet_routine_lines()
    caplog.set_level(logging.DEBUG)
    _idle_cycle(app)
    debug = {(r.name, r.getMessage()) for r in caplog.records if r.levelno == logging.DEBUG}
    assert ("tasks.dispatch", "SLA sweep: no case due for escalation") in debug
    assert ("tasks.relay", "outbox sweep: nothing undelivered") in debug
    info = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO
            and not any(part in r.getMessage() for part in WORKER_LIFE)]
    assert info == []


def test_without_the_filter_rq_would_log_each_periodic_job_at_info(app, committed, caplog):
    rq_log = logging.getLogger("rq.worker")
    filters = list(rq_log.filters)
    for installed in filters:
        rq_log.removeFilter(installed)
    try:
        caplog.set_level(logging.INFO)
        _idle_cycle(app)
    finally:
        for installed in filters:
            rq_log.addFilter(installed)
    noisy = [r for r in caplog.records if r.levelno == logging.INFO
             and not any(part in r.getMessage() for part in WORKER_LIFE)]
    assert len(noisy) >= 4  # at least picked up and completed, for each of the two jobs
