"""Lag-tolerant reads on a real streaming replica (pg_basebackup of the test cluster), with
the primary taking over when the replica lags or is down, and /metrics saying so."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from devenv.services import PostgisCluster
from grid_api.infra.database import Database, make_engine
from grid_api.infra.replica import ReplicaRouter
from tests.api.test_cases import POINT
from tests.factories import PASSWORD, make_area, make_grid_tree, make_user


@pytest.fixture(scope="session")
def replica_cluster(migrated: str, tmp_path_factory) -> Iterator[PostgisCluster]:
    primary = make_url(migrated)
    cluster = PostgisCluster(tmp_path_factory.mktemp("replica") / "data",
                             database=primary.database, durable=False)
    cluster.clone_from(primary.host, primary.port).start()
    yield cluster
    cluster.destroy()


@pytest.fixture
def router(app, replica_cluster, monkeypatch) -> Iterator[ReplicaRouter]:
    replica = Database(make_engine(replica_cluster.url, pool_size=2, connect_timeout=2))
    routed = ReplicaRouter(app.extensions["grid_db"], replica, max_lag_seconds=5,
                           check_seconds=0)
    monkeypatch.setitem(app.extensions, "grid_replica", routed)
    yield routed
    with replica.engine.connect() as connection:
        connection.execute(text("SELECT pg_wal_replay_resume()"))
    replica.engine.dispose()


def _on_replica(router: ReplicaRouter, sql: str, **params):
    with router.replica.engine.connect() as connection:
        connection.execute(text("SET lock_timeout = '10s'"))  # fail, never hang
        return connection.execute(text(sql), params).scalar()


def _pause_replay(router: ReplicaRouter) -> None:
    """Pause replay once the replica has replayed all the primary wrote: paused half-way
    through a transaction, replay would hold its locks and block readers until resumed."""
    with router.primary.engine.connect() as connection:
        # The insert position: the test cluster commits asynchronously (fsync off).
        written = connection.execute(text("SELECT pg_current_wal_insert_lsn()")).scalar()
    _wait_for(lambda: _on_replica(router, "SELECT pg_last_wal_replay_lsn() >= "
                                          "CAST(:lsn AS pg_lsn)", lsn=written),
              "the replica to catch up")
    _on_replica(router, "SELECT pg_wal_replay_pause()")


def _wait_for(condition, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def _committed_district(committed, name: str) -> int:
    with committed.new_session() as session:
        area = make_area(session, name=name)
        session.commit()
        return area.id


def _district_names(client) -> set[str]:
    answer = client.get("/api/v1/areas?level=district&limit=200")
    assert answer.status_code == 200
    return {feature["properties"]["name"] for feature in answer.get_json()["features"]}


def _metric(client, name: str) -> str:
    body = client.get("/metrics").get_data(as_text=True)
    return "\n".join(line for line in body.splitlines() if line.startswith(name))


def _pause_replay_after(router: ReplicaRouter, committed, before: str, after: str) -> None:
    """Commit ``before`` and see it replayed, stop replay, commit ``after``, see it arrive."""
    _committed_district(committed, before)
    _pause_replay(router)
    _committed_district(committed, after)
    _wait_for(lambda: _on_replica(
        router, "SELECT pg_last_wal_receive_lsn() > pg_last_wal_replay_lsn()"),
        "WAL to arrive unreplayed")


def test_public_lists_read_the_replica_and_the_primary_when_it_lags(app, committed, router):
    client = app.test_client()
    _pause_replay_after(router, committed, "复制前区", "复制后区")
    router.max_lag_seconds = 3600  # a lag we tolerate: the replica answers, one commit behind
    assert "复制前区" in _district_names(client)
    assert "复制后区" not in _district_names(client)
    assert 'grid_replica_in_use{reason="ok"} 1.0' in _metric(client, "grid_replica_in_use")

    router.max_lag_seconds = 0  # now it lags too far: the primary answers
    fallbacks = _metric(client, "grid_replica_fallback_reads_total")
    assert "复制后区" in _district_names(client)
    assert 'grid_replica_in_use{reason="lagging"} 0.0' in _metric(client, "grid_replica_in_use")
    assert _metric(client, "grid_replica_fallback_reads_total") != fallbacks
    assert float(_metric(client, "grid_replica_lag_seconds").split()[-1]) > 0

    router.max_lag_seconds = 5
    _on_replica(router, "SELECT pg_wal_replay_resume()")
    _wait_for(lambda: router.state(refresh=True).usable, "the replica to catch up")
    assert "复制后区" in _district_names(client)  # from the replica again


def test_tiles_come_from_the_replica(app, committed, router):
    client = app.test_client()
    with committed.new_session() as session:
        make_grid_tree(session)
        session.commit()
    _pause_replay(router)
    with router.primary.engine.begin() as connection:  # the grid is retired on the primary …
        connection.execute(text("UPDATE areas SET valid_to = now() WHERE level = 'grid'"))
    _wait_for(lambda: _on_replica(
        router, "SELECT pg_last_wal_receive_lsn() > pg_last_wal_replay_lsn()"),
        "WAL to arrive unreplayed")
    tile = "/api/v1/tiles/grids/14/13658/6748.mvt"  # over the test community
    router.max_lag_seconds = 3600
    assert client.get(tile).status_code == 200  # … the replica has not replayed that yet
    router.max_lag_seconds = 0
    assert client.get(tile).status_code == 204  # the primary: nothing left in the tile


def test_what_a_user_just_wrote_is_read_from_the_primary(app, committed, router):
    client = app.test_client()
    with committed.new_session() as session:
        make_grid_tree(session)
        resident = make_user(session)
        session.commit()
    token = client.post("/api/v1/auth/login", json={"phone": resident.phone,
                                                    "password": PASSWORD}).get_json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    _pause_replay(router)
    router.max_lag_seconds = 3600  # the replica counts as usable, yet it misses the case
    case = client.post("/api/v1/cases", headers=headers, json={
        "category": "E0104", "description": "刚刚上报",
        "location": {"type": "Point", "coordinates": POINT}}).get_json()
    assert client.get(f"/api/v1/cases/{case['id']}", headers=headers).status_code == 200
    assert not _on_replica(router, "SELECT count(*) FROM cases WHERE id = :id", id=case["id"])


def test_a_replica_that_is_down_is_not_used(app, committed, router, replica_cluster):
    client = app.test_client()
    _committed_district(committed, "主库区")
    replica_cluster.stop()
    try:
        assert "主库区" in _district_names(client)
        assert _metric(client, "grid_replica_up").endswith(" 0.0")
        assert 'reason="down"' in _metric(client, "grid_replica_in_use")
    finally:
        replica_cluster.start()
    _wait_for(lambda: router.state(refresh=True).usable, "the replica to come back")
    assert re.search(r"grid_replica_up 1\.0", _metric(client, "grid_replica_up"))


def test_a_primary_is_not_taken_for_a_replica(app):
    primary = app.extensions["grid_db"]
    state = ReplicaRouter(primary, primary, max_lag_seconds=5, check_seconds=0).check()
    assert (state.usable, state.reason) == (False, "not_a_replica")
