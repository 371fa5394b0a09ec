"""A job Redis handed to a dead worker is delivered all the same, once, after its lease.

RQ's worker waits on BLPOP over its queues. If the worker dies while blocked, Redis may
still pop the next job for the dead connection: the job hash says ``queued`` while the
job sits in no queue. Here a real process blocks on BLPOP the way RQ's worker does, is
frozen (SIGSTOP) so the pushed job lands in its socket, and is then killed (SIGKILL).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from redis import Redis
from rq import Queue, SimpleWorker
from rq.job import Job
from sqlalchemy import text, update

from grid_api.infra import outbox
from grid_api.infra.queues import QUEUE_NAMES, outbox_job_id
from models.outbox import OutboxMessage, Topic
from tasks import handlers, relay, worker

BLOCKED_CONSUMER = """
import socket, sys, time
host, port = sys.argv[1], int(sys.argv[2])
keys = [b"rq:queue:" + name.encode() for name in sys.argv[3:]]
command = [b"BLPOP", *keys, b"0"]
wire = b"*%d\\r\\n" % len(command) + b"".join(b"$%d\\r\\n%s\\r\\n" % (len(p), p) for p in command)
sock = socket.create_connection((host, port))
sock.sendall(wire)
print("blocked", flush=True)
time.sleep(3600)
"""


def _blocked_consumer(redis: Redis) -> subprocess.Popen:
    """A process blocked on BLPOP over our queues, like an idle RQ worker."""
    kwargs = redis.connection_pool.connection_kwargs
    process = subprocess.Popen(
        [sys.executable, "-c", BLOCKED_CONSUMER, kwargs["host"], str(kwargs["port"]),
         *QUEUE_NAMES], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "blocked"
    deadline = time.monotonic() + 10
    while not any(client.get("cmd") == "blpop" for client in redis.client_list()):
        assert time.monotonic() < deadline, "the consumer never blocked"
        time.sleep(0.02)
    return process


def _lose_next_job(redis: Redis, enqueue) -> None:
    """Run ``enqueue`` while a frozen consumer is blocked: Redis hands it the job, it dies."""
    consumer = _blocked_consumer(redis)
    try:
        os.kill(consumer.pid, signal.SIGSTOP)  # dying: it will never read its socket
        enqueue()
        deadline = time.monotonic() + 10
        while any(Queue(name, connection=redis).count for name in QUEUE_NAMES):
            assert time.monotonic() < deadline, "Redis did not serve the blocked consumer"
            time.sleep(0.02)
    finally:
        consumer.kill()  # dead, with the job in its socket
        consumer.wait()
        consumer.stdout.close()


def _burst(app) -> None:
    connection = Redis.from_url(app.config["GRID_SETTINGS"].redis_url)
    SimpleWorker([Queue(name, connection=connection) for name in QUEUE_NAMES],
                 connection=connection).work(burst=True, with_scheduler=False)


def _age(committed, message_id: int, seconds: int) -> None:
    """Pretend the message was written ``seconds`` ago (its lease has run out)."""
    with committed.new_session() as session:
        session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values(
            created_at=text(f"now() - interval '{seconds} seconds'")))
        session.commit()


def _committed_ping(committed) -> int:
    with committed.new_session() as session:
        message = outbox.add(session, Topic.ping)
        session.commit()  # the after-commit hook hands the job to RQ
        return message.id


@pytest.fixture
def pings(monkeypatch) -> list[dict]:
    calls: list[dict] = []
    monkeypatch.setitem(handlers.HANDLERS, Topic.ping, lambda session, **p: calls.append(p))
    return calls


def test_a_job_redis_gave_a_dead_worker_is_delivered_once_after_its_lease(app, committed,
                                                                          pings):
    redis = app.extensions["grid_redis"]
    ids = []
    _lose_next_job(redis, lambda: ids.append(_committed_ping(committed)))
    message_id = ids[0]
    job = Job.fetch(outbox_job_id(message_id), connection=redis)
    assert job.get_status() == "queued"  # RQ's word for it, in no queue: lost
    assert relay.sweep() == 0  # within its lease, RQ is believed …
    lease = app.config["GRID_SETTINGS"].outbox_lease_seconds
    _age(committed, message_id, lease + 1)
    assert relay.sweep() == 1  # … past it, it is enqueued again whatever RQ says
    _burst(app)
    assert relay.sweep() == 0
    _burst(app)
    assert len(pings) == 1
    with committed.new_session() as session:
        delivered = session.get(OutboxMessage, message_id)
        assert delivered.processed_at is not None
        assert delivered.attempts == 1


def test_a_job_still_waiting_past_its_lease_runs_once(app, committed, pings):
    message_id = _committed_ping(committed)
    _age(committed, message_id, app.config["GRID_SETTINGS"].outbox_lease_seconds + 1)
    assert relay.sweep() == 1
    redis = app.extensions["grid_redis"]
    assert Queue("default", connection=redis).job_ids == [outbox_job_id(message_id)] * 2
    _burst(app)
    assert len(pings) == 1
    with committed.new_session() as session:
        assert session.get(OutboxMessage, message_id).attempts == 1


def test_a_lost_periodic_sweep_is_enqueued_again(app, committed):
    """The sweeper's own job can be lost the same way; the ticker must not trust it."""
    redis = app.extensions["grid_redis"]
    stale = timedelta(seconds=90)
    _lose_next_job(redis, lambda: worker.tick(redis, stale, {"periodic-outbox-sweep"}))
    assert Job.fetch("periodic-outbox-sweep", connection=redis).get_status() == "queued"
    worker.tick(redis, stale, {"periodic-outbox-sweep"})
    assert Queue("low", connection=redis).job_ids == ["periodic-outbox-sweep"]
    worker.tick(redis, stale, {"periodic-outbox-sweep"})  # waiting for real now: left alone
    assert Queue("low", connection=redis).job_ids == ["periodic-outbox-sweep"]
