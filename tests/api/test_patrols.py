"""Patrols over HTTP: a generated walk through the test city measured against its truth,
resent and shuffled batches, bad input, and who may see a track."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from geoalchemy2.shape import to_shape
from sqlalchemy import func, select

from models.patrol import PatrolCellDay, PatrolFix
from tests.walks import WalkBuilder


def _start(client, person, **body):
    response = client.post("/api/v1/patrols", json=body, headers=person.headers)
    assert response.status_code in (200, 201), response.get_json()
    return response.get_json()


def _send(client, person, patrol_id, fixes, *, batch=30):
    results = []
    for index in range(0, len(fixes), batch):
        response = client.post(f"/api/v1/patrols/{patrol_id}/points",
                               json={"fixes": fixes[index:index + batch]},
                               headers=person.headers)
        assert response.status_code == 200, response.get_json()
        results.append(response.get_json())
    return results


def _walk_through(world, *, seed=7, hours_ago=5):
    """Wander in the worker's first two cells, lose signal in a stairwell, ride a bus
    across the other worker's cells, walk a little in the fourth own cell."""
    shapes = {cell.id: to_shape(cell.geom) for cell in world["cells"]}
    own = [shapes[cell.id] for cell in world["cells"][:2]]
    west, south, east, north = own[0].union(own[1]).bounds
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=hours_ago)
    builder = WalkBuilder(start=start, lon=own[0].centroid.x, lat=own[0].centroid.y, seed=seed)
    builder.wander((west + 0.0005, south + 0.0005, east - 0.0005, north - 0.0005),
                   waypoints=10)
    builder.pause(420, stairwell=True)
    stops = [shapes[cell.id].centroid for cell in (*world["cells"][4:7], world["cells"][3])]
    builder.ride_bus([(point.x, point.y) for point in stops])
    builder.wander(tuple(shapes[world["cells"][3].id].buffer(-0.0008).bounds), waypoints=3)
    return builder.sample(), shapes


def test_a_patrol_is_measured_against_the_truth_of_the_walk(client, world, db):
    worker = world["worker"]
    walk, shapes = _walk_through(world)
    patrol = _start(client, worker, started_at=walk.start.isoformat(), client_ref="walk-1")
    fixes = list(walk.fixes)
    random.Random(3).shuffle(fixes)  # noqa: S311 - batches arrive out of order
    _send(client, worker, patrol["id"], fixes)
    finished = client.post(f"/api/v1/patrols/{patrol['id']}/finish",
                           json={"finished_at": walk.end.isoformat()}, headers=worker.headers)
    assert finished.status_code == 200, finished.get_json()
    body = client.get(f"/api/v1/patrols/{patrol['id']}", headers=worker.headers).get_json()

    assert body["status"] == "finished"
    assert body["duration_seconds"] == round((walk.end - walk.start).total_seconds())
    assert body["walked_m"] == pytest.approx(walk.walked_metres(), rel=0.05)
    assert body["excluded"] == {"inaccurate": walk.inaccurate, "out_of_window": walk.early,
                                "outlier": walk.glitches}
    truth = walk.seconds_in(shapes)
    visited = {cell["id"]: cell for cell in body["cells"]}
    assert set(visited) == {cell for cell, seconds in truth.items() if seconds >= 120}
    for cell_id, cell in visited.items():
        assert cell["seconds"] == pytest.approx(truth[cell_id], rel=0.05, abs=30)
        assert cell["own"] == (cell_id in {c.id for c in world["cells"][:4]})
    ridden = set(walk.seconds_in(shapes, mode="bus")) - set(truth)
    assert ridden
    assert not ridden & set(visited)
    boarded, alighted = walk.bus
    kinds = [f["properties"]["kind"] for f in body["track"]["features"]]
    rides = [f for f in body["track"]["features"] if f["properties"]["kind"] == "vehicle"]
    assert "gap" in kinds
    assert len(rides) == 1
    ride_from = datetime.fromisoformat(rides[0]["properties"]["from"])
    ride_to = datetime.fromisoformat(rides[0]["properties"]["to"])
    assert abs((ride_from - boarded).total_seconds()) <= 20
    assert abs((ride_to - alighted).total_seconds()) <= 20
    assert body["vehicle_seconds"] == pytest.approx((alighted - boarded).total_seconds(),
                                                    abs=30)
    stored = db.execute(select(func.count()).select_from(PatrolCellDay).where(
        PatrolCellDay.patrol_id == patrol["id"])).scalar()
    assert stored == len(visited)


def test_resent_and_overlapping_batches_store_each_instant_once(client, world, db):
    worker = world["worker"]
    walk, _ = _walk_through(world, seed=11)
    patrol = _start(client, worker, started_at=walk.start.isoformat())
    first = _send(client, worker, patrol["id"], walk.fixes[:90])
    again = _send(client, worker, patrol["id"], walk.fixes[60:120])
    assert sum(r["stored"] for r in first) == 90
    assert [r["duplicates"] for r in again] == [30, 0]
    count = db.execute(select(func.count()).select_from(PatrolFix).where(
        PatrolFix.patrol_id == patrol["id"])).scalar()
    assert count == 120


def _fix(t, lon=120.101, lat=30.209, **extra):
    return {"t": t.isoformat(), "lon": lon, "lat": lat, "accuracy_m": 8, **extra}


@pytest.mark.parametrize(("bad", "where"), [
    ({"lon": 181}, "lon"), ({"lat": -91}, "lat"), ({"accuracy_m": -1}, "accuracy_m"),
    ({"crs": "epsg3857"}, "crs"), ({"t": "yesterday"}, "t"),
])
def test_an_impossible_fix_refuses_the_whole_batch(client, world, db, bad, where):
    worker = world["worker"]
    patrol = _start(client, worker)
    now = datetime.now(UTC)
    fixes = [_fix(now - timedelta(seconds=20)), _fix(now - timedelta(seconds=10)) | bad]
    response = client.post(f"/api/v1/patrols/{patrol['id']}/points", json={"fixes": fixes},
                           headers=worker.headers)
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert where in response.get_json()["errors"]["fixes"]["1"]
    assert db.execute(select(func.count()).select_from(PatrolFix)).scalar() == 0


def test_fixes_from_the_future_and_oversized_batches_are_refused(client, world, db):
    worker = world["worker"]
    patrol = _start(client, worker)
    now = datetime.now(UTC)
    future = client.post(f"/api/v1/patrols/{patrol['id']}/points", headers=worker.headers,
                         json={"fixes": [_fix(now), _fix(now + timedelta(hours=1))]})
    assert future.status_code == 422
    assert "1" in future.get_json()["errors"]["fixes"]
    huge = client.post(f"/api/v1/patrols/{patrol['id']}/points", headers=worker.headers,
                       json={"fixes": [_fix(now - timedelta(seconds=i)) for i in range(501)]})
    assert huge.status_code == 422
    assert db.execute(select(func.count()).select_from(PatrolFix)).scalar() == 0


def test_fixes_in_another_coordinate_system_are_stored_in_wgs84(client, world, db):
    from geo.crs import from_wgs84  # noqa: PLC0415

    worker = world["worker"]
    patrol = _start(client, worker)
    lon, lat = from_wgs84(120.105, 30.205, "bd09")
    now = datetime.now(UTC)
    _send(client, worker, patrol["id"], [_fix(now, lon=lon, lat=lat, crs="bd09")])
    stored = db.execute(select(func.ST_X(PatrolFix.geom), func.ST_Y(PatrolFix.geom))).one()
    assert stored == pytest.approx((120.105, 30.205), abs=1e-7)


def test_only_the_worker_sends_fixes_and_only_the_worker_supervisors_and_admins_see(
        client, world):
    worker = world["worker"]
    patrol = _start(client, worker)
    url = f"/api/v1/patrols/{patrol['id']}"
    for who in ("worker", "supervisor", "admin"):
        assert client.get(url, headers=world[who].headers).status_code == 200, who
    for who in ("far_worker", "far_supervisor", "unit"):
        assert client.get(url, headers=world[who].headers).status_code == 404, who
    assert client.get(url, headers=world["resident"].headers).status_code == 403
    now = datetime.now(UTC)
    other = client.post(f"{url}/points", json={"fixes": [_fix(now)]},
                        headers=world["far_worker"].headers)
    assert other.status_code == 404
    finish = client.post(f"{url}/finish", json={}, headers=world["far_worker"].headers)
    assert finish.status_code == 404
    assert client.post("/api/v1/patrols", json={},
                       headers=world["supervisor"].headers).status_code == 403


def test_a_resent_start_returns_the_same_patrol_and_a_new_one_finishes_the_old(client, world):
    worker = world["worker"]
    started = datetime.now(UTC) - timedelta(hours=1)
    first = _start(client, worker, client_ref="a", started_at=started.isoformat())
    again = client.post("/api/v1/patrols", headers=worker.headers,
                        json={"client_ref": "a", "started_at": started.isoformat()})
    assert again.status_code == 200
    assert again.get_json()["id"] == first["id"]
    _send(client, worker, first["id"], [_fix(started + timedelta(minutes=5))])
    second = _start(client, worker, client_ref="b")
    assert second["id"] != first["id"]
    old = client.get(f"/api/v1/patrols/{first['id']}", headers=worker.headers).get_json()
    assert old["status"] == "finished"
    assert old["finished_by"] == "system"
    assert old["finished_at"] == (started + timedelta(minutes=5)).isoformat()


def test_finishing_twice_changes_nothing_and_late_fixes_are_measured(client, world):
    worker = world["worker"]
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    patrol = _start(client, worker, started_at=start.isoformat())
    url = f"/api/v1/patrols/{patrol['id']}"
    end = start + timedelta(minutes=10)
    first = client.post(f"{url}/finish", json={"finished_at": end.isoformat()},
                        headers=worker.headers).get_json()
    second = client.post(f"{url}/finish", json={}, headers=worker.headers).get_json()
    assert first["finished_at"] == second["finished_at"] == end.isoformat()
    assert first["cells"] == []
    # The phone was offline: its fixes arrive after the finish.
    walk = [_fix(start + timedelta(seconds=10 * i), lon=120.1010 + i * 0.00012)
            for i in range(60)]
    late = _send(client, worker, patrol["id"], [*walk, _fix(end + timedelta(minutes=5))])
    assert late[-1]["outside_patrol"] == 1
    measured = client.get(url, headers=worker.headers).get_json()
    assert measured["walked_m"] > 600
    assert measured["cells"]
    assert measured["cells"][0]["seconds"] >= 60
    assert measured["excluded"] == {"out_of_window": 1}
    early = client.post(f"{url}/finish", json={"finished_at": start.isoformat()},
                        headers=worker.headers)
    assert early.status_code == 200


def test_refusals_speak_the_callers_language(client, world):
    worker = world["worker"]
    patrol = _start(client, worker)
    future = {"fixes": [_fix(datetime.now(UTC) + timedelta(days=1))]}
    english = client.post(f"/api/v1/patrols/{patrol['id']}/points", json=future,
                          headers=worker.headers | {"Accept-Language": "en"})
    assert english.status_code == 422
    assert english.get_json()["errors"] == {"fixes": {"0": {"t": ["Must not be in the future."]}}}
    early = client.post(f"/api/v1/patrols/{patrol['id']}/finish", headers=worker.headers,
                        json={"finished_at": "2020-01-01T00:00:00Z"})
    assert early.status_code == 422
    assert early.get_json()["errors"] == {"finished_at": ["不能早于开始时间。"]}
