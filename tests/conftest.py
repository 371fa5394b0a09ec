"""Fixtures: a throwaway PostGIS cluster and Redis, the app, and per-test rollback.

``TEST_DATABASE_URL`` / ``TEST_REDIS_URL`` point the suite at existing servers instead
(never ``DATABASE_URL``: the suite must not touch a development database).
``TEST_STORAGE=s3`` runs the whole suite with photos and exports on a private SeaweedFS;
the storage tests use one whatever it says.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from alembic import command
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from devenv.seaweed import SeaweedServer
from devenv.services import PostgisCluster, RedisServer
from grid_api.app import create_app
from grid_api.config import Settings
from grid_api.evaluation import tallies
from grid_api.infra.migrations_state import alembic_config
from models.category import Category
from tasks.context import use_app


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if url := os.environ.get("TEST_DATABASE_URL"):
        yield url
        return
    cluster = PostgisCluster(tmp_path_factory.mktemp("pg") / "data", database="grid_test",
                             durable=False).start()
    yield cluster.url
    cluster.destroy()


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if url := os.environ.get("TEST_REDIS_URL"):
        yield url
        return
    server = RedisServer(tmp_path_factory.mktemp("redis"), durable=False).start()
    yield server.url
    server.stop()


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedServer]:
    """A real S3 store (SeaweedFS on loopback), thrown away after the session."""
    server = SeaweedServer(tmp_path_factory.mktemp("seaweedfs")).start()
    yield server
    server.kill()  # its data is thrown away: no need to wait out a slow SIGTERM


@pytest.fixture(scope="session")
def test_env(database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory,
             request: pytest.FixtureRequest) -> dict[str, str]:
    storage = os.environ.get("TEST_STORAGE", "local")
    if storage not in {"local", "s3"}:
        raise pytest.UsageError("TEST_STORAGE must be local or s3")
    env = {"GRID_ENV": "testing", "STORAGE_DIR": str(tmp_path_factory.mktemp("media")),
           "DATABASE_URL": database_url, "REDIS_URL": redis_url,
           "LOG_LEVEL": "WARNING", "OUTBOX_GRACE_SECONDS": "0",
           "PASSWORD_HASH_MEMORY_KIB": "1024", "LOGIN_LIMIT_PER_ACCOUNT": "100000 per minute",
           "AUTH_LIMIT_PER_ADDRESS": "100000 per minute",
           "REGISTER_LIMIT_PER_ACCOUNT": "100000 per minute",
           # The tests' webhook receivers listen on loopback, which is allowed only by name.
           "WEBHOOK_ALLOWED_NETWORKS": "127.0.0.1/32"}
    if storage == "s3":
        env.update(request.getfixturevalue("seaweedfs").env)
    return env


@pytest.fixture(scope="session")
def migrated(test_env: dict[str, str]) -> str:
    command.upgrade(alembic_config(test_env["DATABASE_URL"]), "head")
    # Tallies kept as a deployment keeps them, so every indicator a test asks of the city or
    # a district is answered from them.
    engine = create_engine(test_env["DATABASE_URL"])
    with Session(engine) as session:
        tallies.ensure(session, zone=Settings.timezone, depth=tallies.DEFAULT_DEPTH)
        session.commit()
    engine.dispose()
    return test_env["DATABASE_URL"]


@pytest.fixture(scope="session")
def app(test_env: dict[str, str], migrated: str) -> Flask:
    application = create_app(settings=Settings.from_env(test_env))
    use_app(application)
    return application


@pytest.fixture
def handoffs(app: Flask) -> Iterator[list[tuple[int, str]]]:
    """Outbox hand-offs of this test, recorded instead of enqueued."""
    recorded: list[tuple[int, str]] = []
    real = app.extensions["grid_outbox_handoff"]
    app.extensions["grid_outbox_handoff"] = recorded.extend
    yield recorded
    app.extensions["grid_outbox_handoff"] = real


@pytest.fixture
def db(app: Flask, handoffs: list) -> Iterator:
    """Every session of this test joins one outer transaction that is rolled back."""
    database = app.extensions["grid_db"]
    connection = database.engine.connect()
    outer = connection.begin()
    database.sessionmaker.configure(bind=connection, join_transaction_mode="create_savepoint")
    session = database.new_session()
    try:
        yield session
    finally:
        session.close()
        database.sessionmaker.configure(bind=database.engine,
                                        join_transaction_mode="conditional_savepoint")
        outer.rollback()
        connection.close()


@pytest.fixture
def client(app: Flask, db):
    return app.test_client()


WIPE_COMMITTED = """
    ALTER TABLE case_events DISABLE TRIGGER case_events_no_truncate;
    TRUNCATE case_events, attachments, cases, idempotency_keys, grid_assignments,
             refresh_tokens, token_families, users, units, area_versions, areas, calendar_days,
             outbox_messages, event_counters CASCADE;
    ALTER TABLE case_events ENABLE TRIGGER case_events_no_truncate;
"""
# The categories are the migrations' seed and outlive a test: what a test changed in them
# (time limits, on-site fixes, new codes) is put back as it was before.
CATEGORIES_AS_THEY_WERE = ("""
    DELETE FROM categories WHERE id NOT IN (
        SELECT id FROM jsonb_populate_recordset(NULL::categories, CAST(:before AS jsonb)))""", """
    UPDATE categories c SET ({columns}) = (SELECT {kept} FROM
        jsonb_populate_recordset(NULL::categories, CAST(:before AS jsonb)) s WHERE s.id = c.id)
""")


@pytest.fixture
def committed(app: Flask) -> Iterator:
    """For tests that need really committed data (workers, row locks): wiped afterwards."""
    engine = app.extensions["grid_db"].engine
    with engine.connect() as connection:
        before = connection.execute(text(
            "SELECT coalesce(jsonb_agg(to_jsonb(c)), '[]')::text FROM categories c")).scalar()
    yield app.extensions["grid_db"]
    columns = [column.name for column in Category.__table__.columns if column.name != "id"]
    with engine.begin() as connection:
        connection.execute(text(WIPE_COMMITTED))
        for statement in CATEGORIES_AS_THEY_WERE:
            connection.execute(text(statement.format(
                columns=", ".join(columns), kept=", ".join(f"s.{name}" for name in columns))),
                {"before": before})
    app.extensions["grid_redis"].flushdb()
