"""Missed reports (漏报) from a generated patrol: which cases the worker walked past, checked
against the walk's truth; supervisors' decisions and 漏报率."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from geoalchemy2.shape import to_shape
from sqlalchemy import update

from grid_api.fieldwork import missed, patrols
from models.case import Case
from tests.factories import make_case
from tests.walks import M_PER_DEG_LAT, WalkBuilder

RADIUS_M = 30


def _metres(lon1, lat1, lon2, lat2):
    return math.hypot((lon2 - lon1) * 111_320 * math.cos(math.radians(lat1)),
                      (lat2 - lat1) * M_PER_DEG_LAT)


def _closest_walk(walk, lon, lat, since, until):
    return min((_metres(p.lon, p.lat, lon, lat) for p in walk.truth
                if p.mode == "walk" and since <= p.t <= until), default=math.inf)


@pytest.fixture
def patrolled(client, db, world):
    """The worker walks to a spot in their first cell, on through their second, rides a bus
    across their third, and the phone sends it all; then cases come in from others."""
    worker = world["worker"]
    shapes = [to_shape(cell.geom) for cell in world["cells"]]
    spot = shapes[0].centroid
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=4)
    builder = WalkBuilder(start=start, lon=spot.x - 0.002, lat=spot.y, seed=21)
    builder.walk_to(spot.x, spot.y).pause(40)
    builder.walk_to(shapes[1].centroid.x, shapes[1].centroid.y).pause(60)
    bus_stop = shapes[2].centroid  # the bus drives through here without stopping
    builder.walk_to(bus_stop.x - 0.003, bus_stop.y).pause(30)
    builder.ride_bus([(shapes[3].centroid.x, bus_stop.y)])
    builder.pause(120)
    walk = builder.sample(glitch_rate=0, inaccurate_rate=0, early_fixes=0)
    patrol = client.post("/api/v1/patrols", json={"started_at": start.isoformat()},
                         headers=worker.headers).get_json()
    for i in range(0, len(walk.fixes), 50):
        client.post(f"/api/v1/patrols/{patrol['id']}/points",
                    json={"fixes": walk.fixes[i:i + 50]}, headers=worker.headers)
    client.post(f"/api/v1/patrols/{patrol['id']}/finish",
                json={"finished_at": walk.end.isoformat()}, headers=worker.headers)
    reported = walk.end + timedelta(minutes=10)
    corner = shapes[0].buffer(-0.0003).bounds  # a corner of the first cell, off the walk
    places = {
        "walked_past": (world["cells"][0], spot.x + 0.00003, spot.y, world["resident"], reported),
        "ridden_past": (world["cells"][2], bus_stop.x, bus_stop.y, world["resident"], reported),
        "off_the_walk": (world["cells"][0], corner[0], corner[1], world["resident"], reported),
        "by_a_worker": (world["cells"][0], spot.x, spot.y, world["far_worker"], reported),
        "long_before": (world["cells"][0], spot.x, spot.y, world["resident"],
                        start - timedelta(hours=1)),
    }
    cases = {}
    for name, (cell, lon, lat, reporter, at) in places.items():
        case = make_case(db, reporter=reporter.user, cell=cell)
        db.execute(update(Case).where(Case.id == case.id).values(
            location=f"SRID=4326;POINT({lon} {lat})", created_at=at, registered_at=at))
        cases[name] = (case.id, lon, lat, at)
    return {"walk": walk, "cases": cases, "patrol_id": patrol["id"]}


def test_candidates_are_the_cases_the_worker_walked_past(app, db, world, patrolled):
    settings = patrols.patrol_settings_from(app.config["GRID_SETTINGS"])
    window = timedelta(hours=4)
    found = missed.scan(db, settings, missed.MissedSettings(radius_m=RADIUS_M, window=window))
    walk = patrolled["walk"]
    truth = {name: _closest_walk(walk, lon, lat, at - window, at)
             for name, (_, lon, lat, at) in patrolled["cases"].items()}
    assert truth["walked_past"] < 15
    assert truth["ridden_past"] > 60
    assert truth["off_the_walk"] > 60
    assert truth["long_before"] == math.inf
    rows = db.execute(missed.candidates_query(_admin(world), status=None)).all()
    by_case = {case.id: item for item, case in rows}
    assert found == 1
    assert set(by_case) == {patrolled["cases"]["walked_past"][0]}
    item = by_case[patrolled["cases"]["walked_past"][0]]
    assert item.worker_id == world["worker"].user.id
    assert item.distance_m <= RADIUS_M
    assert missed.scan(db, settings, missed.MissedSettings(RADIUS_M, window)) == 0


def _admin(world):
    from grid_api.identity.principal import Principal  # noqa: PLC0415
    from models.user import Role  # noqa: PLC0415

    return Principal(user_id=world["admin"].user.id, roles=frozenset({Role.admin}))


def test_supervisors_decide_and_only_confirmed_ones_count(app, client, db, world, patrolled):
    settings = patrols.patrol_settings_from(app.config["GRID_SETTINGS"])
    missed.scan(db, settings, missed.MissedSettings(RADIUS_M, timedelta(hours=4)))
    supervisor, far = world["supervisor"].headers, world["far_supervisor"].headers
    listed = client.get("/api/v1/missed-reports", headers=supervisor).get_json()["items"]
    assert [item["case"]["id"] for item in listed] == [patrolled["cases"]["walked_past"][0]]
    assert client.get("/api/v1/missed-reports", headers=far).get_json()["items"] == []
    url = f"/api/v1/missed-reports/{listed[0]['id']}"
    assert client.get(url, headers=far).status_code == 404
    detail = client.get(url, headers=supervisor).get_json()
    kinds = [feature["properties"]["kind"] for feature in detail["evidence"]["features"]]
    assert kinds == ["case", "track"]
    day = (patrolled["cases"]["walked_past"][3]).date()
    rates_url = (f"/api/v1/stats/patrols/missed?area={world['community'].id}"
                 f"&from={day - timedelta(days=1)}&to={day + timedelta(days=1)}")
    before = _rate(client, supervisor, rates_url, world)
    assert before["confirmed_missed"] == 0
    assert before["pending_candidates"] == 1
    confirmed = client.post(f"{url}/confirm", json={"note": "垃圾明显可见"}, headers=supervisor)
    assert confirmed.status_code == 200
    assert confirmed.get_json()["status"] == "confirmed"
    assert client.post(f"{url}/dismiss", json={}, headers=supervisor).status_code == 409
    after = _rate(client, supervisor, rates_url, world)
    assert after["registered_cases"] >= 4  # the fixture's cases in the worker's cells
    assert after["confirmed_missed"] == 1
    assert after["missed_rate"] == pytest.approx(1 / after["registered_cases"])
    assert client.post(f"{url}/confirm", json={}, headers=world["worker"].headers
                       ).status_code == 403


def _rate(client, headers, url, world):
    items = client.get(url, headers=headers).get_json()["items"]
    return next(item for item in items if item["worker"]["id"] == world["worker"].user.id)
