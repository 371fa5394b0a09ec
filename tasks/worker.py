"""The worker process: RQ worker with RQ's scheduler, plus a ticker for periodic jobs.

Run ``python -m tasks.worker``. Several can run at once: periodic jobs have stable
ids, so tickers in different processes do not pile up duplicates.
"""

from __future__ import annotations

import logging
import sys
import threading

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Worker

from grid_api.queues import QUEUE_NAMES, is_active
from tasks.context import job_app

log = logging.getLogger(__name__)

# (job id, function path, queue); all share the outbox sweep interval for now.
PERIODIC_JOBS = (("periodic-outbox-sweep", "tasks.relay.sweep", "low"),)


def tick(connection: Redis) -> None:
    """Enqueue each periodic job unless one is already waiting or running."""
    for job_id, func, queue_name in PERIODIC_JOBS:
        try:
            if not is_active(connection, job_id):
                Queue(queue_name, connection=connection).enqueue(
                    func, job_id=job_id, result_ttl=60, failure_ttl=3600
                )
        except RedisError:
            log.warning("redis unavailable; periodic job %s skipped this tick", job_id)


def _ticker(connection: Redis, interval: int, stop: threading.Event) -> None:
    while True:
        tick(connection)
        if stop.wait(interval):
            return


def main(argv: list[str] | None = None) -> None:
    burst = "--burst" in (sys.argv[1:] if argv is None else argv)
    app = job_app()
    settings = app.config["GRID_SETTINGS"]
    # The worker blocks on BLPOP; it needs a connection without the API's short timeouts.
    connection = Redis.from_url(settings.redis_url)
    interval = settings.outbox_sweep_seconds
    stop = threading.Event()
    threading.Thread(target=_ticker, args=(connection, interval, stop), daemon=True,
                     name="periodic-ticker").start()
    queues = [Queue(name, connection=connection) for name in QUEUE_NAMES]
    try:
        Worker(queues, connection=connection).work(with_scheduler=True, burst=burst)
    finally:
        stop.set()


if __name__ == "__main__":
    main()
