"""Check-ins geofenced to a worker's own cells, and time on duty per day."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from geoalchemy2.shape import to_shape

ZONE = ZoneInfo("Asia/Shanghai")


def _point(lon, lat):
    return {"type": "Point", "coordinates": [lon, lat]}


def _inside(world, index=0):
    centre = to_shape(world["cells"][index].geom).centroid
    return _point(centre.x, centre.y)


def test_a_check_in_inside_an_own_cell_is_recorded_in_that_cell(client, world):
    worker = world["worker"]
    response = client.post("/api/v1/checkins", headers=worker.headers,
                           json={"location": _inside(world, 1), "client_ref": "c1"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["kind"] == "on"
    assert body["cell"]["id"] == world["cells"][1].id
    again = client.post("/api/v1/checkins", headers=worker.headers,
                        json={"location": _inside(world, 1), "client_ref": "c1"})
    assert again.status_code == 200
    assert again.get_json()["id"] == body["id"]


def test_a_check_in_outside_own_cells_is_refused_with_the_distance(client, world):
    worker = world["worker"]
    north_of_first = _point(120.101, 30.211)  # about 111 m north of the community
    response = client.post("/api/v1/checkins", headers=worker.headers,
                           json={"location": north_of_first})
    assert response.status_code == 422
    problem = response.get_json()
    assert problem["type"].endswith("outside_own_cells")
    assert problem["distance_m"] == pytest.approx(111, abs=3)
    assert problem["nearest_cell"]["id"] == world["cells"][0].id
    in_someone_elses = client.post("/api/v1/checkins", headers=worker.headers,
                                   json={"location": _inside(world, 6)})
    assert in_someone_elses.status_code == 422
    assert in_someone_elses.get_json()["distance_m"] > 100


def test_only_grid_workers_check_in_and_bad_input_is_refused(client, world):
    body = {"location": _inside(world)}
    assert client.post("/api/v1/checkins", json=body,
                       headers=world["supervisor"].headers).status_code == 403
    future = datetime.now(UTC) + timedelta(hours=2)
    for bad in ({"location": _point(190, 30)}, {"location": _inside(world), "kind": "maybe"},
                {"location": _inside(world), "at": future.isoformat()}):
        response = client.post("/api/v1/checkins", json=bad, headers=world["worker"].headers)
        assert response.status_code == 422, bad


def test_time_on_duty_joins_sign_on_to_sign_off_and_patrols(client, world):
    worker = world["worker"]
    yesterday = datetime.now(UTC).astimezone(ZONE).date() - timedelta(days=1)

    def at(hour, minute=0):
        return datetime.combine(yesterday, time(hour, minute), ZONE).isoformat()

    for kind, when in (("on", at(9)), ("off", at(12)), ("on", at(14))):
        response = client.post("/api/v1/checkins", headers=worker.headers,
                               json={"kind": kind, "at": when, "location": _inside(world)})
        assert response.status_code == 201, response.get_json()
    for start, end in ((at(11), at(13, 30)), (at(15), at(16))):
        patrol = client.post("/api/v1/patrols", json={"started_at": start},
                             headers=worker.headers).get_json()
        client.post(f"/api/v1/patrols/{patrol['id']}/finish", json={"finished_at": end},
                    headers=worker.headers)
    query = f"/api/v1/duty?from={yesterday}&to={yesterday + timedelta(days=1)}"
    days = client.get(query, headers=worker.headers).get_json()["days"]
    # 09:00–13:30 (signed on, then patrolling), 14:00 until the patrol ending at 16:00.
    assert days[0] == {"day": str(yesterday), "on_duty_seconds": 4.5 * 3600 + 2 * 3600,
                       "patrol_seconds": 3.5 * 3600, "check_ins": 3}
    assert days[1]["on_duty_seconds"] == 0
    supervised = client.get(f"{query}&worker={worker.user.id}",
                            headers=world["supervisor"].headers)
    assert supervised.get_json()["days"] == days
    assert client.get(f"{query}&worker={worker.user.id}",
                      headers=world["far_supervisor"].headers).status_code == 404
    assert client.get(query, headers=world["resident"].headers).status_code == 403
    too_long = client.get("/api/v1/duty?from=2026-01-01&to=2026-12-31", headers=worker.headers)
    assert too_long.status_code == 422
