"""Nothing lost when processes fall over — shown by really stopping and starting them.

- Redis down: reports are still accepted (201) and dispatched after Redis is back.
- A worker killed (SIGKILL) in the middle of a dispatch job: the job runs again and the
  case is dispatched exactly once.
- PostgreSQL restarted: the API and the worker carry on without being restarted.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from redis import Redis
from rq import Queue
from rq.job import Job
from sqlalchemy import select

from devenv.services import PostgisCluster, RedisServer
from grid_api.app import create_app
from grid_api.config import Settings
from grid_api.infra.queues import connect, outbox_job_id
from models.case import Case, CaseEvent
from models.outbox import OutboxMessage, Topic
from tasks.context import use_app
from tests.factories import PASSWORD, make_grid_tree, make_unit, make_user

ROOT = Path(__file__).resolve().parents[2]
FAST = {"OUTBOX_SWEEP_SECONDS": "1", "OUTBOX_GRACE_SECONDS": "1",
        "WORKER_HEARTBEAT_STALE_SECONDS": "3", "LOG_LEVEL": "WARNING"}


@pytest.fixture
def own_redis(tmp_path):
    server = RedisServer(tmp_path / "redis", durable=False).start()
    yield server
    server.stop()


@pytest.fixture
def stack(app, committed, test_env, own_redis):
    """An app on a Redis of its own, a small city with a routing rule, a grid worker."""
    env = {**test_env, **FAST, "REDIS_URL": own_redis.url, "GRID_ENV": "development"}
    own_app = create_app(settings=Settings.from_env(env), overrides={"TESTING": True})
    with committed.new_session() as session:
        tree = make_grid_tree(session)
        unit = make_unit(session, name="保洁")
        worker = make_user(session, roles=("grid_worker",), grid_cells=tuple(tree["cells"]))
        from grid_api.dispatch.routing import create_rule  # noqa: PLC0415

        create_rule(session, category="E01", area_id=tree["district"].id, unit_id=unit.id)
        session.commit()
        phone = worker.phone
    client = own_app.test_client()
    token = client.post("/api/v1/auth/login",
                        json={"phone": phone, "password": PASSWORD}).get_json()["access_token"]
    yield {"app": own_app, "env": env, "client": client, "database": committed,
           "headers": {"Authorization": f"Bearer {token}"}, "unit_id": unit.id}
    use_app(app)


def _report(stack) -> int:
    response = stack["client"].post("/api/v1/cases", headers=stack["headers"], json={
        "category": "E0104", "description": "落叶",
        "location": {"type": "Point", "coordinates": [120.101, 30.209]}})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def _start_worker(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tasks.worker"], cwd=ROOT,
                            env={**os.environ, **env}, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _stop(process: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
        process.wait(timeout=30)


def _wait_dispatched(database, case_id: int, seconds: float) -> Case:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with database.new_session() as session:
            case = session.get(Case, case_id)
            if case.unit_id is not None:
                return case
        time.sleep(0.25)
    raise AssertionError(f"case {case_id} not dispatched within {seconds}s")


def _dispatch_events(database, case_id: int) -> list[str]:
    with database.new_session() as session:
        return session.execute(select(CaseEvent.action).where(
            CaseEvent.case_id == case_id, CaseEvent.action == "dispatch")).scalars().all()


def test_reports_survive_redis_being_down(stack, own_redis):
    own_redis.stop()
    started = time.monotonic()
    case_id = _report(stack)  # 201 although the hand-off to Redis fails
    assert time.monotonic() - started < 5
    own_redis.start()
    worker = _start_worker(stack["env"])
    try:
        case = _wait_dispatched(stack["database"], case_id, 60)
    finally:
        _stop(worker)
    assert case.unit_id == stack["unit_id"]
    assert _dispatch_events(stack["database"], case_id) == ["dispatch"]


def test_a_worker_killed_mid_job_is_made_good_exactly_once(stack):
    database = stack["database"]
    url = stack["env"]["DATABASE_URL"].replace("postgresql+psycopg", "postgresql")
    case_id = _report(stack)
    with database.new_session() as session:
        message_id = session.execute(select(OutboxMessage.id).where(
            OutboxMessage.topic == Topic.auto_dispatch.value,
            OutboxMessage.payload["case_id"].as_integer() == case_id)).scalar_one()
    # Hold the case's row so the dispatch job stops in the middle, then kill its worker.
    blocker = psycopg.connect(url)
    blocker.execute("SELECT 1 FROM cases WHERE id = %s FOR UPDATE", (case_id,))
    worker = _start_worker(stack["env"])
    redis = connect(stack["env"]["REDIS_URL"])
    try:
        deadline = time.monotonic() + 30
        while Job.fetch(outbox_job_id(message_id), connection=redis).get_status() != "started":
            assert time.monotonic() < deadline, "the dispatch job never started"
            time.sleep(0.1)
        _stop(worker, signal.SIGKILL)  # the worker, mid-job
    finally:
        blocker.rollback()
        blocker.close()
    with database.new_session() as session:
        assert session.get(Case, case_id).unit_id is None  # nothing half-done
    second = _start_worker(stack["env"])
    try:
        _wait_dispatched(database, case_id, 60)
        time.sleep(3)  # room for a duplicate delivery to show up, if there were one
    finally:
        _stop(second)
    assert _dispatch_events(database, case_id) == ["dispatch"]


def test_api_and_worker_outlive_a_postgresql_restart(tmp_path, test_env, own_redis):
    cluster = PostgisCluster(tmp_path / "pg", database="restart", durable=False).start()
    from alembic import command  # noqa: PLC0415

    from grid_api.infra.migrations_state import alembic_config  # noqa: PLC0415

    command.upgrade(alembic_config(cluster.url), "head")
    env = {**test_env, **FAST, "DATABASE_URL": cluster.url, "REDIS_URL": own_redis.url,
           "GRID_ENV": "development"}
    api = create_app(settings=Settings.from_env(env)).test_client()
    worker = _start_worker(env)
    try:
        assert api.get("/readyz").status_code == 200
        cluster.stop()
        assert api.get("/readyz").status_code == 503
        cluster.start()
        assert api.get("/readyz").status_code == 200  # the pool reconnected by itself
        time.sleep(2)
        assert worker.poll() is None  # the worker is still there …
        with psycopg.connect(cluster.url.replace("postgresql+psycopg", "postgresql"),
                             autocommit=True) as conn:
            conn.execute("INSERT INTO outbox_messages (topic, queue, payload) "
                         "VALUES ('system.ping', 'default', '{}')")
        deadline = time.monotonic() + 30
        while True:  # … and still delivers
            with psycopg.connect(cluster.url.replace("postgresql+psycopg", "postgresql")
                                 ) as conn:
                pending = conn.execute("SELECT count(*) FROM outbox_messages "
                                       "WHERE processed_at IS NULL").fetchone()[0]
            if pending == 0:
                break
            assert time.monotonic() < deadline, "the worker did not recover"
            time.sleep(0.25)
    finally:
        _stop(worker)
        cluster.destroy()


def test_jobs_run_in_the_worker_process_itself(stack, own_redis):
    """No work horse per job: a fresh one reconnected and recompiled every statement."""
    job = Queue("default", connection=Redis.from_url(own_redis.url)).enqueue(os.getpid)
    process = subprocess.Popen([sys.executable, "-m", "tasks.worker", "--burst"], cwd=ROOT,
                               env={**os.environ, **stack["env"]},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert process.wait(timeout=60) == 0
    assert job.return_value(refresh=True) == process.pid
