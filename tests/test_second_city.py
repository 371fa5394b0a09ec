"""From an empty database to a working second city with the documented commands only:
``scripts/setup-city.sh examples/jiaxing`` (real boundaries of Jiaxing, in production mode,
run twice), then a grid worker's report over the API, dispatched by the real worker."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis import Redis
from sqlalchemy import create_engine, text

from grid_api.app import create_app
from grid_api.config import Settings

ROOT = Path(__file__).resolve().parents[1]
JIAXING = ROOT / "examples" / "jiaxing"
NANHU = [120.7598, 30.7523]  # 南湖区, by the South Lake
NEW_ACCOUNT = re.compile(r"new account (\+\d+) \((\S+)\) first password: (\w+)")


@pytest.fixture
def production_env(migrated: str, redis_url: str) -> Iterator[dict[str, str]]:
    """Settings of a production deployment on an empty database of its own."""
    server = migrated.rsplit("/", 1)[0]
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("DROP DATABASE IF EXISTS grid_second_city WITH (FORCE)"))
        connection.execute(text("CREATE DATABASE grid_second_city"))
    env = {**os.environ, "GRID_ENV": "production", "SECRET_KEY": "s" * 48,
           "DATABASE_URL": f"{server}/grid_second_city",
           "REDIS_URL": redis_url.rsplit("/", 1)[0] + "/7",
           "PASSWORD_HASH_MEMORY_KIB": "1024", "LOG_LEVEL": "WARNING",
           "PATH": f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"}
    yield env
    Redis.from_url(env["REDIS_URL"]).flushdb()
    with admin.connect() as connection:
        connection.execute(text("DROP DATABASE IF EXISTS grid_second_city WITH (FORCE)"))
    admin.dispose()


def _run(env: dict[str, str], *command: str) -> str:
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=900, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_a_second_city_from_an_empty_database(production_env):
    first = _run(production_env, "scripts/setup-city.sh", str(JIAXING))
    accounts = {roles: (phone, password) for phone, roles, password in
                NEW_ACCOUNT.findall(first)}
    assert set(accounts) == {"admin", "grid_worker", "unit_staff", "supervisor"}
    assert "8 created" in first  # the city and its 7 districts, from the root down

    again = _run(production_env, "scripts/setup-city.sh", str(JIAXING))
    for unchanged in ("0 created, 0 updated, 8 unchanged", "areas generated: 0 created",
                      "units: 0 created, 0 changed, 3 unchanged", "routing rules: 0 created",
                      "staff: 0 created"):
        assert unchanged in again
    assert "first password" not in again

    app = create_app(settings=Settings.from_env(production_env))
    try:
        client = app.test_client()
        phone, password = accounts["grid_worker"]
        tokens = client.post("/api/v1/auth/login",
                             json={"phone": phone, "password": password}).get_json()
        worker = {"Authorization": f"Bearer {tokens['access_token']}"}
        filed = client.post("/api/v1/cases", headers=worker, json={
            "category": "E0104", "description": "南湖边人行道落叶堆积",
            "location": {"type": "Point", "coordinates": NANHU}})
        assert filed.status_code == 201, filed.get_json()
        case = filed.get_json()
        assert case["status"] == "registered"  # a grid worker's report is registered at once
        assert [a["code"] for a in case["grid"]["ancestors"]][:2] == ["330400", "330402"]

        _run(production_env, sys.executable, "-m", "tasks.worker", "--burst")

        seen = client.get(f"/api/v1/cases/{case['id']}", headers=worker).get_json()
        assert (seen["status"], seen["unit"]["code"]) == ("dispatched", "JX-NH-HW")
    finally:
        app.extensions["grid_db"].engine.dispose()
