"""End to end on a real Redis with committed data: outbox → RQ → worker → handler."""

from datetime import UTC, datetime, timedelta

import pytest
from redis import Redis
from rq import Queue, SimpleWorker
from rq.job import Job
from rq.registry import ScheduledJobRegistry
from sqlalchemy import update

from grid_api.infra import outbox
from grid_api.infra.queues import QUEUE_NAMES, enqueue_outbox_messages, outbox_job_id
from models.outbox import OutboxMessage, Topic
from tasks import handlers, relay, worker
from tasks.retry import RetryLater

STALE = timedelta(seconds=90)


def _run_worker_burst(app) -> None:
    connection = Redis.from_url(app.config["GRID_SETTINGS"].redis_url)
    queues = [Queue(name, connection=connection) for name in QUEUE_NAMES]
    SimpleWorker(queues, connection=connection).work(burst=True, with_scheduler=False)


def _committed_message(committed, topic=Topic.ping, **payload) -> int:
    with committed.new_session() as session:
        message = outbox.add(session, topic, **payload)
        session.commit()
        return message.id


def _reload(committed, message_id) -> OutboxMessage:
    with committed.new_session() as session:
        return session.get(OutboxMessage, message_id)


def test_committed_message_is_delivered_by_a_real_worker(app, committed):
    message_id = _committed_message(committed, note="hello")
    queued = Queue("default", connection=app.extensions["grid_redis"]).job_ids
    assert outbox_job_id(message_id) in queued
    _run_worker_burst(app)
    delivered = _reload(committed, message_id)
    assert delivered.processed_at is not None
    assert delivered.attempts == 1


def test_sweeper_delivers_what_the_hook_could_not(app, committed):
    app.extensions["grid_outbox_handoff"], real = (lambda _m: None), app.extensions[
        "grid_outbox_handoff"]
    try:
        message_id = _committed_message(committed)
    finally:
        app.extensions["grid_outbox_handoff"] = real
    assert Queue("default", connection=app.extensions["grid_redis"]).count == 0
    assert relay.sweep() == 1
    _run_worker_burst(app)
    assert _reload(committed, message_id).processed_at is not None


def test_duplicate_delivery_runs_the_handler_once(app, committed, monkeypatch):
    message_id = _committed_message(committed)
    calls = []
    monkeypatch.setitem(handlers.HANDLERS, Topic.ping, lambda session, **p: calls.append(p))
    assert relay.deliver(message_id) == "delivered"
    assert relay.deliver(message_id) == "skipped"
    assert len(calls) == 1


def test_retries_stop_after_the_last_attempt(app, committed, monkeypatch):
    message_id = _committed_message(committed)
    with committed.new_session() as session:
        session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id)
                        .values(attempts=relay.MAX_ATTEMPTS - 1))
        session.commit()

    def busy(session, **payload):
        raise RetryLater("device busy")

    monkeypatch.setitem(handlers.HANDLERS, Topic.ping, busy)
    assert relay.deliver(message_id) == "given_up"
    scheduled = ScheduledJobRegistry("default", connection=app.extensions["grid_redis"])
    assert outbox_job_id(message_id) not in scheduled.get_job_ids()
    assert _reload(committed, message_id).last_error == "device busy"


def test_failing_handler_records_the_error_and_raises(app, committed, monkeypatch):
    message_id = _committed_message(committed)

    def failing(session, **payload):
        raise ValueError("unit lookup failed")

    monkeypatch.setitem(handlers.HANDLERS, Topic.ping, failing)
    with pytest.raises(ValueError, match="unit lookup failed"):
        relay.deliver(message_id)
    failed = _reload(committed, message_id)
    assert failed.processed_at is None
    assert failed.attempts == 1
    assert "unit lookup failed" in failed.last_error


def test_the_sweeper_leaves_a_waiting_job_alone_within_its_lease(app, committed):
    message_id = _committed_message(committed)  # enqueued by the hook
    assert relay.sweep() == 0
    assert Queue("default", connection=app.extensions["grid_redis"]).job_ids == [
        outbox_job_id(message_id)]


def test_enqueue_hands_over_whatever_rq_says(app, committed):
    message_id = _committed_message(committed)  # enqueued by the hook
    assert enqueue_outbox_messages(app.extensions["grid_redis"],
                                   [(message_id, "default")]) == [message_id]


def test_sweeper_ignores_delivered_rows(app, committed):
    message_id = _committed_message(committed)
    with committed.new_session() as session:
        session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id)
                        .values(processed_at=datetime.now(UTC) - timedelta(minutes=1)))
        session.commit()
    app.extensions["grid_redis"].flushdb()
    assert relay.sweep() == 0


def test_ticker_enqueues_each_periodic_job_once(app, committed):
    connection = app.extensions["grid_redis"]
    worker.tick(connection, STALE)
    worker.tick(connection, STALE)
    assert Queue("low", connection=connection).job_ids == ["periodic-outbox-sweep",
                                                          "periodic-sla-sweep",
                                                          "periodic-patrol-sweep",
                                                          "periodic-watch-digest",
                                                          "periodic-webhook-retries",
                                                          "periodic-tallies"]
    # building the tallies takes minutes at a city's scale: not cut off at RQ's 180 s
    assert Job.fetch("periodic-tallies", connection=connection).timeout == 6 * 3600
    assert Job.fetch("periodic-sla-sweep", connection=connection).timeout == 180
