"""Deliver outbox messages: the job RQ runs per message, and the sweeper for stragglers."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from redis.exceptions import RedisError
from rq import Queue
from sqlalchemy import or_, select, update

from grid_api.infra import counters
from grid_api.infra.queues import (
    DELIVER_JOB,
    enqueue_outbox_messages,
    is_active,
    outbox_job_id,
)
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
                counters.increment(session, "outbox_delivered")
                retry_in = None
        if retry_in is not None:
            if message.attempts >= MAX_ATTEMPTS:  # given up, like the sweeper: left for a look
                return "given_up"
            _schedule(message_id, message.queue, retry_in)
            return "retry_later"
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
    """Enqueue the undelivered messages whose lease ran out; returns how many.

    A message handed to RQ is leased for OUTBOX_LEASE_SECONDS. Within the lease of its
    after-commit hand-off RQ is asked whether the job waits or runs (the hand-off may
    have failed with Redis down); past a lease the message is enqueued again whatever
    RQ says, and leased anew. Nothing Redis loses or mislabels stays lost.
    """
    settings = job_app().config["GRID_SETTINGS"]
    connection = job_app().extensions["grid_redis"]
    now = datetime.now(UTC)
    lease = timedelta(seconds=settings.outbox_lease_seconds)
    stale_after = timedelta(seconds=settings.worker_heartbeat_stale_seconds)
    with job_session("sweep") as session:
        rows = session.execute(
            select(OutboxMessage.id, OutboxMessage.queue, OutboxMessage.created_at,
                   OutboxMessage.available_at)
            .where(OutboxMessage.processed_at.is_(None),
                   OutboxMessage.created_at < now - timedelta(
                       seconds=settings.outbox_grace_seconds),
                   OutboxMessage.attempts < MAX_ATTEMPTS,
                   or_(OutboxMessage.available_at.is_(None), OutboxMessage.available_at < now))
            .order_by(OutboxMessage.created_at)
            .limit(SWEEP_BATCH)
        ).all()
        due = [(row.id, row.queue) for row in rows
               if row.available_at is not None or row.created_at <= now - lease
               or not is_active(connection, outbox_job_id(row.id), stale_after=stale_after)]
        enqueued = enqueue_outbox_messages(connection, due)
        if enqueued:
            session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(enqueued))
                            .values(available_at=now + lease))
    if enqueued:
        log.info("outbox sweep enqueued %d undelivered message(s)", len(enqueued))
    else:
        log.debug("outbox sweep: nothing undelivered")
    return len(enqueued)
