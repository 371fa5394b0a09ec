"""Coverage statistics and the coverage tile, from patrols walked through the test city."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from geoalchemy2.shape import to_shape

from grid_api.fieldwork import patrols
from grid_api.identity.principals import principal_for
from tests.factories import make_case

ZONE = ZoneInfo("Asia/Shanghai")


def _walk(app, db, person, cell, start):
    """Ten minutes of slow walking around the middle of ``cell``."""
    settings = patrols.patrol_settings_from(app.config["GRID_SETTINGS"])
    principal = principal_for(db, person.user.id)
    centre = to_shape(cell.geom).centroid
    patrol, _ = patrols.start_patrol(db, principal, started_at=start)
    fixes = [{"t": start + timedelta(seconds=10 * i), "lon": centre.x + (i % 20) * 0.0001,
              "lat": centre.y, "crs": "wgs84", "accuracy_m": 6.0} for i in range(61)]
    patrols.add_fixes(db, principal, patrol.id, fixes, settings)
    patrols.finish_patrol(db, principal, patrol.id, settings,
                          finished_at=start + timedelta(minutes=10))


@pytest.fixture
def walked(app, db, world):
    today = datetime.now(UTC).astimezone(ZONE).date()
    yesterday = today - timedelta(days=1)
    # Today and before now (the patrol must not lie in the future): from five past midnight
    # on, or from 75 minutes ago when that is later — never before midnight (just after
    # midnight, an hour ago was yesterday).
    this_morning = max(datetime.combine(today, time(0, 5), ZONE),
                       datetime.now(UTC) - timedelta(minutes=75))
    _walk(app, db, world["worker"], world["cells"][0],
          datetime.combine(yesterday, time(10), ZONE))
    _walk(app, db, world["worker"], world["cells"][1], this_morning)
    _walk(app, db, world["far_worker"], world["cells"][5], this_morning)
    make_case(db, reporter=world["worker"].user, cell=world["cells"][1])
    return {"today": today, "yesterday": yesterday, "area": world["community"].id}


def test_cells_of_an_area_on_a_day(client, world, walked):
    url = f"/api/v1/stats/patrols/cells?area={walked['area']}&day={walked['today']}"
    body = client.get(url, headers=world["supervisor"].headers).get_json()
    cells = {item["id"]: item for item in body["items"]}
    assert set(cells) == {cell.id for cell in world["cells"]}
    visited = {cell_id for cell_id, item in cells.items() if item["visited"]}
    assert visited == {world["cells"][1].id, world["cells"][5].id}
    walked_by = cells[world["cells"][1].id]["workers"]
    assert [w["id"] for w in walked_by] == [world["worker"].user.id]
    assert walked_by[0]["seconds"] == pytest.approx(600, abs=10)
    first_page = client.get(f"{url}&limit=3", headers=world["supervisor"].headers).get_json()
    second = client.get(f"{url}&limit=3&cursor={first_page['next_cursor']}",
                        headers=world["supervisor"].headers).get_json()
    assert [i["id"] for i in first_page["items"] + second["items"]] == [
        i["id"] for i in body["items"][:6]]


def test_workers_of_an_area_over_days(client, world, walked):
    url = (f"/api/v1/stats/patrols/workers?area={walked['area']}"
           f"&from={walked['yesterday']}&to={walked['today']}")
    items = client.get(url, headers=world["admin"].headers).get_json()["items"]
    mine = next(i for i in items if i["worker"]["id"] == world["worker"].user.id)
    assert mine["patrols"] == 2
    assert mine["own_cells"] == 4
    assert mine["own_cells_visited"] == 2
    assert mine["own_cells_visited_share"] == 0.5
    assert mine["hours"] == pytest.approx(20 / 60, abs=0.01)
    assert mine["reports"] == 1
    assert mine["reports_per_km"] == pytest.approx(1 / mine["km"], rel=0.01)
    other = next(i for i in items if i["worker"]["id"] == world["far_worker"].user.id)
    assert other["own_cells_visited"] == 1
    assert other["reports_per_km"] == 0


def test_cells_not_visited_lately(client, world, walked):
    url = f"/api/v1/stats/patrols/unvisited?area={walked['area']}"
    today_only = client.get(f"{url}&days=1", headers=world["supervisor"].headers).get_json()
    quiet = {item["id"]: item for item in today_only["items"]}
    assert world["cells"][1].id not in quiet
    assert quiet[world["cells"][0].id]["days_since_visit"] == 1
    assert quiet[world["cells"][2].id]["last_visit"] is None
    two_days = client.get(f"{url}&days=2", headers=world["supervisor"].headers).get_json()
    assert world["cells"][0].id not in {item["id"] for item in two_days["items"]}


def test_statistics_stay_inside_a_supervisors_area(client, world, walked):
    url = f"/api/v1/stats/patrols/cells?area={walked['area']}"
    assert client.get(url, headers=world["far_supervisor"].headers).status_code == 403
    assert client.get(url, headers=world["worker"].headers).status_code == 403
    assert client.get("/api/v1/stats/patrols/cells?area=999999999",
                      headers=world["admin"].headers).status_code == 404
    backwards = (f"/api/v1/stats/patrols/workers?area={walked['area']}"
                 f"&from={walked['today']}&to={walked['yesterday']}")
    assert client.get(backwards, headers=world["admin"].headers).status_code == 422


def test_the_coverage_tile_colours_cells_by_their_last_visit(client, world, walked):
    url = "/api/v1/tiles/coverage/12/3414/1687.mvt"  # holds the whole community
    response = client.get(url, headers=world["supervisor"].headers)
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.mapbox-vector-tile"
    assert b"days_since_visit" in response.data
    assert world["cells"][1].code.encode() in response.data
    assert client.get(url, headers=world["far_supervisor"].headers).status_code == 204
    assert client.get(url, headers=world["resident"].headers).status_code == 403
    assert client.get("/api/v1/tiles/coverage/3/8/1.mvt",
                      headers=world["admin"].headers).status_code == 400
