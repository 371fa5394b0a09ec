"""Deliver outbox messages: the job RQ runs per message, and the sweeper for stragglers."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from grid_api import counters
from grid_api.queues import enqueue_outbox_messages
from models.outbox import OutboxMessage
from tasks.context import job_app, job_session
from tasks.handlers import HANDLERS

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 25
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
            HANDLERS[message.topic](session, **message.payload)
            message.attempts += 1
            message.processed_at = datetime.now(UTC)
        counters.increment(job_app().extensions["grid_redis"], "outbox_delivered")
        return "delivered"
    except Exception as exc:
        _record_failure(message_id, exc)
        raise


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
                   OutboxMessage.attempts < MAX_ATTEMPTS)
            .order_by(OutboxMessage.created_at)
            .limit(SWEEP_BATCH)
        ).all()
    enqueued = enqueue_outbox_messages(
        job_app().extensions["grid_redis"], [(row.id, row.queue) for row in rows],
        stale_after=timedelta(seconds=settings.worker_heartbeat_stale_seconds))
    if enqueued:
        log.info("outbox sweep enqueued %d message(s)", enqueued)
    return enqueued
