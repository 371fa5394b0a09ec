"""The public `cases` tile layer: public cases only, redacted, clustered at low zoom, and
anonymous only where the city publishes its map."""

import dataclasses
import math

import mapbox_vector_tile
import pytest
from sqlalchemy import func, select

from models.area import Area
from tests.api.test_cases import POINT, act, report
from tests.api.test_privacy import SECRET


def _tile(lon, lat, z):
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return f"/api/v1/tiles/cases/{z}/{x}/{y}.mvt"


def _features(response):
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/vnd.mapbox-vector-tile"
    return mapbox_vector_tile.decode(response.data)["cases"]["features"]


@pytest.fixture
def mapped(client, db, world):
    centre = list(db.execute(select(func.ST_X(func.ST_Centroid(Area.geom)),
                                    func.ST_Y(func.ST_Centroid(Area.geom)))
                             .where(Area.id == world["cells"][0].id)).one())
    at_centre = report(client, world["worker"], location={
        "type": "Point", "coordinates": centre}).get_json()["id"]
    public = report(client, world["worker"]).get_json()["id"]
    closed = report(client, world["worker"]).get_json()["id"]
    for who, action, body in (("supervisor", "dispatch", {"unit_id": world["unit_id"]}),
                              ("unit", "accept", {}), ("unit", "resolve", {"note": "好了"}),
                              ("worker", "verify", {}), ("supervisor", "close", {})):
        act(client, world[who], closed, action, body)
    sensitive = report(client, world["worker"], category="E0602",
                       description=SECRET).get_json()["id"]
    private = report(client, world["resident"]).get_json()["id"]
    rejected = report(client, world["resident"]).get_json()["id"]
    act(client, world["supervisor"], rejected, "reject", {"reason": "invalid"})
    return {"public": {at_centre, public, closed, sensitive}, "hidden": {private, rejected},
            "at_centre": at_centre, "sensitive": sensitive, "closed": closed}


def test_close_up_one_point_per_public_case_and_only_what_styles_it(client, world, mapped):
    features = _features(client.get(_tile(*POINT, 16), headers=world["neighbour"].headers))
    by_id = {feature["id"]: feature for feature in features}
    assert set(by_id) == mapped["public"]
    assert set(by_id[mapped["closed"]]["properties"]) == {"status", "category", "kind"}
    assert by_id[mapped["closed"]]["properties"] == {"status": "closed", "category": "E0104",
                                                     "kind": "event"}
    # The sensitive case sits at its cell's centre, exactly where the other case is.
    assert (by_id[mapped["sensitive"]]["geometry"]["coordinates"]
            == by_id[mapped["at_centre"]]["geometry"]["coordinates"])


def test_far_out_cases_are_clusters_with_counts(client, world, mapped):
    features = _features(client.get(_tile(*POINT, 10), headers=world["neighbour"].headers))
    assert sum(f["properties"]["count"] for f in features) == len(mapped["public"])
    assert sum(f["properties"]["closed"] for f in features) == 1
    assert all(set(f["properties"]) == {"count", "open", "closed"} for f in features)


def test_the_map_needs_sign_in_unless_the_city_publishes_it(app, client, world, mapped,
                                                            monkeypatch):
    url = _tile(*POINT, 16)
    refused = client.get(url)
    assert refused.status_code == 401
    assert refused.headers["Content-Type"] == "application/problem+json"
    monkeypatch.setitem(app.config, "GRID_SETTINGS", dataclasses.replace(
        app.config["GRID_SETTINGS"], public_case_map=True))
    anonymous = client.get(url)
    assert {f["id"] for f in _features(anonymous)} == mapped["public"]
    assert anonymous.headers["Cache-Control"].startswith("public")
    cached = client.get(url, headers={"If-None-Match": anonymous.headers["ETag"]})
    assert cached.status_code == 304


def test_empty_and_impossible_tiles(client, world):
    headers = world["neighbour"].headers
    assert client.get("/api/v1/tiles/cases/14/0/0.mvt", headers=headers).status_code == 204
    assert client.get("/api/v1/tiles/cases/3/8/1.mvt", headers=headers).status_code == 400
    assert client.get("/api/v1/tiles/cases/23/0/0.mvt", headers=headers).status_code == 400
