"""Probes: liveness touches nothing; readiness names what failed."""

from grid_api.app import create_app
from grid_api.config import Settings


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_all_good(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["checks"] == {"database": "ok", "migrations": "ok", "redis": "ok"}


def test_readyz_names_an_unreachable_redis(test_env, migrated):
    env = dict(test_env, REDIS_URL="redis://127.0.0.1:1/0")
    app = create_app(settings=Settings.from_env(env))
    response = app.test_client().get("/readyz", headers={"Accept-Language": "en"})
    assert response.status_code == 503
    body = response.get_json()
    assert body["detail"] == "Not ready: redis"
    assert body["checks"]["redis"].startswith("unreachable")
    assert body["checks"]["database"] == "ok"


def test_readyz_names_an_unreachable_database(test_env):
    env = dict(test_env, DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:1/none")
    app = create_app(settings=Settings.from_env(env))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"].startswith("unreachable")


def test_readyz_names_a_schema_behind_head(client, app):
    app.extensions["grid_migration_head"], real = "f00dcafe", app.extensions["grid_migration_head"]
    try:
        response = client.get("/readyz")
    finally:
        app.extensions["grid_migration_head"] = real
    assert response.status_code == 503
    assert response.get_json()["checks"]["migrations"].endswith("expected f00dcafe")


def test_request_id_is_echoed_when_sane_and_replaced_when_not(client):
    echoed = client.get("/healthz", headers={"X-Request-ID": "trace-1234abcd"})
    assert echoed.headers["X-Request-ID"] == "trace-1234abcd"
    replaced = client.get("/healthz", headers={"X-Request-ID": "bad id <script>"})
    assert len(replaced.headers["X-Request-ID"]) == 32
