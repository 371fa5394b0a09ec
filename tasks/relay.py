"""Deliver outbox messages: the job RQ runs per message, and the sweeper for stragglers."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from redis.exceptions import RedisError
from rq import Queue
from sqlalchemy import or_, select, update

from grid_api.infra import counters
from grid_api.infra.queues import DELIVER_JOB, enqueue_outbox_messages, outbox_job_id
from models.outbox import MAX_ATTEMPTS, OutboxMessage
from tasks.context import job_app, job_session
from tasks.handlers import HANDLERS
from tasks.retry import RetryLater, backoff

log = logging.getLogger(__name__)
SWEEP_BATCH = 500


def deliver(message_id: int) -> str:
    """Run one outbox message's handler exactly once per successful commit.

    The row lock (SKIP LOCKED) keeps a concurrent duplicate job out; ``processed_at``
    makes a late duplicate a no-op. Raises whatever the handler raises, so RQ retries.
    """
    try:
        with job_session("outbox") as session:
            message = session.execute(
                select(OutboxMessage)
                .where(OutboxMessage.id == message_id, OutboxMessage.processed_at.is_(None))
                .with_for_update(skip_locked=True)
            ).scalar_one_or_none()
            if message is None:
                return "skipped"
            message.attempts += 1
            try:
                HANDLERS[message.topic](session, **message.payload)
            except RetryLater as later:
                delay = max(backoff(message.attempts), later.after or timedelta(0))
                message.available_at = datetime.now(UTC) + delay
                message.last_error = str(later)[:2000]
                retry_in = delay
            else:
                message.processed_at = datetime.now(UTC)
                retry_in = None
        if retry_in is not None:
            if message.attempts >= MAX_ATTEMPTS:  # given up, like the sweeper: left for a look
                return "given_up"
            _schedule(message_id, message.queue, retry_in)
            return "retry_later"
        counters.increment(job_app().extensions["grid_redis"], "outbox_delivered")
        return "delivered"
    except Exception as exc:
        _record_failure(message_id, exc)
        raise


def _schedule(message_id: int, queue_name: str, delay: timedelta) -> None:
    """Run the message again after ``delay`` (the sweeper covers for a lost schedule)."""
    connection = job_app().extensions["grid_redis"]
    try:
        Queue(queue_name, connection=connection).enqueue_in(
            delay, DELIVER_JOB, message_id, job_id=f"{outbox_job_id(message_id)}-retry")
    except RedisError:
        log.warning("redis unavailable; outbox message %s waits for the sweeper", message_id)


def _record_failure(message_id: int, exc: Exception) -> None:
    with job_session("outbox") as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(attempts=OutboxMessage.attempts + 1,
                    last_error=f"{type(exc).__name__}: {exc}"[:2000])
        )


def sweep() -> int:
    """Enqueue undelivered messages older than the grace period; returns how many."""
    settings = job_app().config["GRID_SETTINGS"]
    cutoff = datetime.now(UTC) - timedelta(seconds=settings.outbox_grace_seconds)
    with job_session("sweep") as session:
        rows = session.execute(
            select(OutboxMessage.id, OutboxMessage.queue)
            .where(OutboxMessage.processed_at.is_(None), OutboxMessage.created_at < cutoff,
                   OutboxMessage.attempts < MAX_ATTEMPTS,
                   or_(OutboxMessage.available_at.is_(None),
                       OutboxMessage.available_at < datetime.now(UTC)))
            .order_by(OutboxMessage.created_at)
            .limit(SWEEP_BATCH)
        ).all()
    enqueued = enqueue_outbox_messages(
        job_app().extensions["grid_redis"], [(row.id, row.queue) for row in rows],
        stale_after=timedelta(seconds=settings.worker_heartbeat_stale_seconds))
    if enqueued:
        log.info("outbox sweep enqueued %d message(s)", enqueued)
    return enqueued
