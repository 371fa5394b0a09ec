"""Redis connection and RQ queues, shared by the API (enqueue side) and the worker."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry
from rq.job import Job, JobStatus

log = logging.getLogger(__name__)

QUEUE_NAMES = ("high", "default", "low")
DELIVER_JOB = "tasks.relay.deliver"  # a path, so the API never imports the worker's code
ACTIVE = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED}


def connect(url: str) -> Redis:
    # Short timeouts: a request must not hang on a dead Redis; the outbox covers for it.
    return Redis.from_url(url, socket_connect_timeout=1, socket_timeout=3,
                          health_check_interval=30)


def outbox_job_id(message_id: int) -> str:
    return f"outbox-{message_id}"


def is_active(connection: Redis, job_id: str, *, stale_after: timedelta,
              look_in_queue: bool = False) -> bool:
    """Whether the job waits or runs. A job beats when it starts (``tasks.worker``): one
    started longer than ``stale_after`` ago (WORKER_HEARTBEAT_STALE_SECONDS) died with its
    worker (SIGKILL, a lost machine), so it may be run again.

    ``queued`` can be false: Redis may pop a job for a worker that died blocked on BLPOP,
    leaving it ``queued`` in no queue, never to run. ``look_in_queue`` checks the queue
    itself (LPOS, linear in its length: for the few periodic jobs, not for every message;
    outbox messages have their lease instead, see ``tasks.relay.sweep``)."""
    try:
        job = Job.fetch(job_id, connection=connection)
        status = job.get_status()
    except Exception:  # NoSuchJobError, or a job hash half-expired: not active
        return False
    if status == JobStatus.STARTED and job.last_heartbeat is not None:
        return datetime.now(UTC) - job.last_heartbeat.replace(tzinfo=UTC) < stale_after
    if status == JobStatus.QUEUED and look_in_queue:
        return connection.lpos(Queue(job.origin, connection=connection).key, job_id) is not None
    return status in ACTIVE


def _job_data(message_id: int):
    return Queue.prepare_data(DELIVER_JOB, (message_id,), job_id=outbox_job_id(message_id),
                              retry=Retry(max=5, interval=[1, 5, 15, 60, 300]),
                              result_ttl=600, failure_ttl=7 * 86400)


def hand_off_new_messages(connection: Redis, messages: list[tuple[int, str]]) -> int:
    """After a commit: enqueue brand-new outbox rows, one pipeline per queue.

    New rows cannot have a job yet, so unlike the sweeper this skips the per-job check;
    a failure leaves them to the sweeper. Returns how many were enqueued."""
    by_queue: dict[str, list[int]] = {}
    for message_id, queue_name in messages:
        by_queue.setdefault(queue_name, []).append(message_id)
    try:
        for queue_name, ids in by_queue.items():
            queue = Queue(queue_name, connection=connection)
            with connection.pipeline() as pipe:
                queue.enqueue_many([_job_data(i) for i in ids], pipeline=pipe)
                pipe.execute()
    except RedisError:
        log.warning("redis unavailable; %d outbox message(s) wait for the sweeper",
                    len(messages), exc_info=True)
        return 0
    return len(messages)


def enqueue_outbox_messages(connection: Redis, messages: list[tuple[int, str]]) -> list[int]:
    """Hand outbox rows (id, queue name) to RQ, whatever RQ says of their jobs; returns
    the ids enqueued (all of them, unless Redis failed on the way).

    The caller decides what is due (``tasks.relay.sweep``: a lease ran out). A job that
    was still waiting after all runs twice and delivers once: delivery locks the row and
    ``processed_at`` makes the second a no-op.
    """
    enqueued = []
    for message_id, queue_name in messages:
        try:
            Queue(queue_name, connection=connection).enqueue_many([_job_data(message_id)])
        except RedisError:
            log.warning("redis unavailable; outbox message %s waits for the sweeper",
                        message_id, exc_info=True)
            break
        enqueued.append(message_id)
    return enqueued
