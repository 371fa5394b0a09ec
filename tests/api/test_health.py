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
    assert response.get_json() == {
        "status": "ok", "checks": {"database": "ok", "migrations": "ok", "redis": "ok"}}


def test_readyz_is_degraded_not_unready_without_redis(test_env, migrated):
    """Reports are still accepted with Redis down (the outbox holds their jobs): an
    orchestrator must not pull the instance."""
    env = dict(test_env, REDIS_URL="redis://127.0.0.1:1/0")
    app = create_app(settings=Settings.from_env(env))
    response = app.test_client().get("/readyz", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "degraded"
    assert body["checks"]["redis"].startswith("unreachable")
    assert body["checks"]["database"] == "ok"
    metrics = app.test_client().get("/metrics")
    assert metrics.status_code == 200
    assert "grid_redis_up 0.0" in metrics.get_data(as_text=True)


def test_readyz_names_an_unreachable_database(test_env):
    env = dict(test_env, DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:1/none")
    app = create_app(settings=Settings.from_env(env))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.get_json()["checks"]["database"].startswith("unreachable")


def test_without_postgresql_requests_are_503_with_retry_after(test_env, client, world):
    """Not 500: nothing was saved and the client may simply try again."""
    env = dict(test_env, DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:1/none")
    down = create_app(settings=Settings.from_env(env)).test_client()
    report = {"category": "E0104", "description": "落叶",
              "location": {"type": "Point", "coordinates": [120.101, 30.209]}}
    for response in (
        down.post("/api/v1/cases", json=report, headers=world["resident"].headers),
        down.get("/api/v1/cases", headers=world["supervisor"].headers),
        down.post("/api/v1/auth/login", json={"phone": "13800000001", "password": "x" * 10}),
        down.get("/metrics"),
    ):
        assert response.status_code == 503, response.request.path
        assert response.mimetype == "application/problem+json"
        assert int(response.headers["Retry-After"]) >= 5, response.request.path
        assert response.get_json()["type"] == "urn:grid-api:problem:database_unavailable"


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
