"""Hot spots per grid cell and per hexagon, with Getis-Ord Gi*."""

import pytest
from sqlalchemy import func, select

from grid_api.evaluation.hotspots import Place, gi_star
from models.area import Area
from tests.api.test_cases import report

PERIOD = "from=2026-01-01&to=2026-12-31"


def _point_in(db, cell):
    lon, lat = db.execute(select(func.ST_X(func.ST_PointOnSurface(Area.geom)),
                                 func.ST_Y(func.ST_PointOnSurface(Area.geom)))
                          .where(Area.id == cell.id)).one()
    return {"type": "Point", "coordinates": [lon, lat]}


@pytest.fixture
def crowded(client, db, world):
    """Six reports in the first cell, one in the last."""
    first, last = world["cells"][0], world["cells"][-1]
    for _ in range(6):
        assert report(client, world["worker"], location=_point_in(db, first)).status_code == 201
    assert report(client, world["supervisor"], location=_point_in(db, last)).status_code == 201
    return first, last


def test_counts_per_cell_with_gi_star(client, world, crowded):
    first, last = crowded
    response = client.get(f"/api/v1/stats/hotspots?{PERIOD}&area={world['community'].id}",
                          headers=world["supervisor"].headers)
    assert response.status_code == 200, response.get_json()
    features = {f["properties"]["id"]: f["properties"]
                for f in response.get_json()["features"]}
    assert len(features) == len(world["cells"])
    assert features[first.id]["count"] == 6
    assert features[last.id]["count"] == 1
    assert sum(p["count"] for p in features.values()) == 7
    hottest = max(features.values(), key=lambda p: p["gi_z"])
    assert hottest["id"] == first.id


def test_hexagons_cover_the_area_and_count_every_case(client, world, crowded):
    response = client.get(f"/api/v1/stats/hotspots?{PERIOD}&area={world['community'].id}"
                          "&shape=hexagon&size_m=200", headers=world["supervisor"].headers)
    assert response.status_code == 200, response.get_json()
    features = response.get_json()["features"]
    assert len(features) > len(world["cells"])
    assert sum(f["properties"]["count"] for f in features) == 7
    assert max(f["properties"]["count"] for f in features) == 6


def test_too_small_hexagons_and_foreign_areas_are_refused(client, world):
    small = client.get(f"/api/v1/stats/hotspots?{PERIOD}&area={world['city'].id}"
                       "&shape=hexagon&size_m=50", headers=world["admin"].headers)
    assert small.status_code == 422
    far = client.get(f"/api/v1/stats/hotspots?{PERIOD}&area={world['other_district'].id}",
                     headers=world["supervisor"].headers)
    assert far.status_code == 403
    nowhere = client.get(f"/api/v1/stats/hotspots?{PERIOD}", headers=world["admin"].headers)
    assert nowhere.status_code == 422


def test_gi_star_of_a_line_of_places():
    counts = [0, 0, 10, 0, 0]
    places = [Place(str(i), n, {}, tuple(str(j) for j in (i - 1, i + 1)), {})
              for i, n in enumerate(counts)]
    scores = gi_star(places)
    # mean 2, s = 4; the middle: (10 − 2·3) / (4 · √((5·3 − 9) / 4)) = 4 / (4 · √1.5)
    assert scores["2"] == pytest.approx(4 / (4 * 1.5 ** 0.5), abs=1e-3)
    assert scores["0"] < 0
    flat = gi_star([Place(str(i), 3, {}, (), {}) for i in range(4)])
    assert set(flat.values()) == {None}
