"""Areas as GeoJSON, locate with CRS conversion and overlaps, grid workers, vector tiles."""

import dataclasses
import json

import pytest

from geo.crs import from_wgs84
from geo.grid import CellShape
from grid_api.geography.grid_generation import generate_children
from models.area import AreaLevel
from tests.factories import bearer, login, make_area, make_user

COMMUNITY_BOUNDS = (120.10, 30.20, 120.12, 30.21)  # about 1.9 km × 1.1 km


@pytest.fixture
def tree(db):
    city = make_area(db, level=AreaLevel.city, code="330100", bounds=(119.9, 30.0, 120.4, 30.4))
    district = make_area(db, parent=city, code="330106", bounds=(120.0, 30.1, 120.2, 30.3))
    street = make_area(db, parent=district, level=AreaLevel.street, code="330106001",
                       bounds=COMMUNITY_BOUNDS)
    community = make_area(db, parent=street, level=AreaLevel.community, code="330106001001",
                          bounds=COMMUNITY_BOUNDS)
    generate_children(db, community.id, shape=CellShape.square, size_m=500)
    return {"city": city, "district": district, "street": street, "community": community}


def test_locate_returns_the_cell_and_its_ancestors(client, tree):
    response = client.get("/api/v1/grids/locate?lon=120.1001&lat=30.2099")
    assert response.status_code == 200
    body = response.get_json()
    assert body["cell"]["code"] == "330106001001001"  # north-west corner: the first cell
    assert [a["code"] for a in body["ancestors"]] == ["330100", "330106", "330106001",
                                                      "330106001001"]


def test_locate_outside_every_cell_is_a_404_problem(client, tree):
    response = client.get("/api/v1/grids/locate?lon=116.4&lat=39.9",
                          headers={"Accept-Language": "en"})
    assert response.status_code == 404
    assert response.get_json()["detail"] == "This location is outside every grid cell"


def test_locate_converts_gcj02_and_bd09(client, tree):
    wgs = (120.1001, 30.2099)
    expected = client.get(f"/api/v1/grids/locate?lon={wgs[0]}&lat={wgs[1]}").get_json()
    for crs in ("gcj02", "bd09"):
        lon, lat = from_wgs84(*wgs, crs)
        body = client.get(f"/api/v1/grids/locate?lon={lon}&lat={lat}&crs={crs}").get_json()
        assert body["cell"] == expected["cell"]
        assert body["point"] == pytest.approx(list(wgs), abs=1e-8)
    # Near a cell's east edge, GCJ-02 numbers read as WGS-84 land ~500 m off: another cell.
    edge = (120.1045, 30.2090)
    right = client.get(f"/api/v1/grids/locate?lon={edge[0]}&lat={edge[1]}").get_json()["cell"]
    gcj = from_wgs84(*edge, "gcj02")
    misread = client.get(f"/api/v1/grids/locate?lon={gcj[0]}&lat={gcj[1]}").get_json()["cell"]
    converted = client.get(
        f"/api/v1/grids/locate?lon={gcj[0]}&lat={gcj[1]}&crs=gcj02").get_json()["cell"]
    assert converted == right != misread


def test_overlapping_cells_resolve_to_the_lowest_code(client, db, tree):
    overlapping = make_area(db, parent=tree["community"], level=AreaLevel.grid,
                            code="330106001001000", bounds=(120.1000, 30.2050, 120.1010, 30.2100))
    later = make_area(db, parent=tree["community"], level=AreaLevel.grid,
                      code="330106001001999", bounds=(120.1000, 30.2050, 120.1010, 30.2100))
    for _ in range(3):
        body = client.get("/api/v1/grids/locate?lon=120.1005&lat=30.2075").get_json()
        assert body["cell"]["id"] == overlapping.id != later.id


@pytest.mark.parametrize("query", ["lon=200&lat=30", "lon=120&lat=95", "lat=30",
                                   "lon=120&lat=30&crs=baidu", "lon=abc&lat=30"])
def test_locate_bad_input_is_422(client, query):
    response = client.get(f"/api/v1/grids/locate?{query}")
    assert response.status_code == 422
    assert response.get_json()["errors"]


def test_areas_list_filters_and_pages(client, tree):
    cells = client.get(f"/api/v1/areas?level=grid&parent={tree['community'].id}&limit=5")
    body = cells.get_json()
    assert body["type"] == "FeatureCollection"
    assert len(body["features"]) == 5
    feature = body["features"][0]
    assert feature["geometry"]["type"] == "MultiPolygon"
    assert feature["properties"]["level"] == "grid"
    rest = client.get(f"/api/v1/areas?level=grid&parent={tree['community'].id}&limit=100"
                      f"&cursor={body['next_cursor']}").get_json()
    # 4 columns × 3 rows of 500 m; the 113 m southern row is merged into the row above.
    assert len(rest["features"]) + 5 == 8
    in_box = client.get("/api/v1/areas?level=grid&bbox=120.100,30.205,120.104,30.210").get_json()
    assert 0 < len(in_box["features"]) < 8


def test_zoom_simplifies_geometry(client, tree):
    district = tree["district"].id
    full = client.get(f"/api/v1/areas/{district}").get_json()
    coarse = client.get(f"/api/v1/areas/{district}?zoom=3").get_json()
    assert len(json.dumps(coarse["geometry"])) <= len(json.dumps(full["geometry"]))
    assert coarse["properties"]["code"] == "330106"


@pytest.mark.parametrize("query", ["bbox=1,2,3", "bbox=10,10,5,5", "level=planet", "zoom=30"])
def test_areas_bad_filters_are_422(client, query):
    assert client.get(f"/api/v1/areas?{query}").status_code == 422


def test_unknown_area_is_404(client):
    assert client.get("/api/v1/areas/987654321").status_code == 404


def test_generate_grid_by_api_then_conflict(client, db, tree):
    admin = bearer(login(client, make_user(db, roles=("admin",))))
    street = make_area(db, parent=tree["district"], level=AreaLevel.street, code="330106002",
                       bounds=(120.13, 30.20, 120.15, 30.21))
    url = f"/api/v1/areas/{street.id}/generate-grid"
    response = client.post(url, json={"shape": "hexagon", "size_m": 800}, headers=admin)
    assert response.status_code == 201
    report = response.get_json()
    assert report["level"] == "community"
    assert report["first_code"] == "330106002001"
    again = client.post(url, json={"shape": "hexagon", "size_m": 800}, headers=admin)
    assert again.status_code == 409
    too_small = client.post(url, json={"size_m": 5}, headers=admin)
    assert too_small.status_code == 422


def test_import_by_api_is_admin_only_and_reports(client, db, tree):
    collection = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "330106003", "name": "新街道"},
         "geometry": {"type": "Polygon", "coordinates": [[[120.16, 30.2], [120.17, 30.2],
                                                           [120.17, 30.21], [120.16, 30.2]]]}}]}
    url = f"/api/v1/areas/import?area={tree['district'].id}"
    supervisor = make_user(db, roles=("supervisor",), area=tree["district"])
    assert client.post(url, json=collection,
                       headers=bearer(login(client, supervisor))).status_code == 403
    admin = bearer(login(client, make_user(db, roles=("admin",))))
    response = client.post(url, json=collection, headers=admin)
    assert response.status_code == 200
    assert response.get_json()["created"] == 1
    not_geojson = client.post(url, json={"type": "Topology"}, headers=admin)
    assert not_geojson.status_code == 422
    no_parent = client.post("/api/v1/areas/import?area=999999999", json=collection,
                            headers=admin)
    assert no_parent.status_code == 404


def test_failed_import_leaves_nothing_behind(client, db, tree, monkeypatch):
    from grid_api.geography import area_import  # noqa: PLC0415

    admin = bearer(login(client, make_user(db, roles=("admin",))))
    collection = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": f"33010600{n}", "name": f"街{n}"},
         "geometry": {"type": "Polygon", "coordinates": [[[120.15 + n / 1000, 30.2],
                                                           [120.1505 + n / 1000, 30.2],
                                                           [120.1505 + n / 1000, 30.21],
                                                           [120.15 + n / 1000, 30.2]]]}}
        for n in (4, 5)]}
    monkeypatch.setattr(area_import, "_write", _write_then_fail(area_import._write))
    with pytest.raises(RuntimeError, match="disk full"):
        client.post(f"/api/v1/areas/import?area={tree['district'].id}", json=collection,
                    headers=admin)
    found = client.get(f"/api/v1/areas?parent={tree['district'].id}&level=street").get_json()
    assert {f["properties"]["code"] for f in found["features"]} == {"330106001"}


def _write_then_fail(real_write):
    def write(*args, **kwargs):
        real_write(*args, **kwargs)  # rows are inserted …
        raise RuntimeError("disk full")  # … and then the batch fails
    return write


def test_grid_workers_by_admin_and_by_supervisor_in_scope_only(client, db, tree):
    cell = client.get("/api/v1/grids/locate?lon=120.1001&lat=30.2099").get_json()["cell"]
    worker = make_user(db, roles=("grid_worker",))
    resident = make_user(db)
    inside = make_user(db, roles=("supervisor",), area=tree["district"])
    elsewhere_area = make_area(db, parent=tree["city"], code="330102")
    outside = make_user(db, roles=("supervisor",), area=elsewhere_area)
    url = f"/api/v1/grids/{cell['id']}/workers"
    response = client.put(url, json={"user_ids": [worker.id]},
                          headers=bearer(login(client, inside)))
    assert response.status_code == 200
    assert [w["id"] for w in response.get_json()["workers"]] == [worker.id]
    assert client.put(url, json={"user_ids": []},
                      headers=bearer(login(client, outside))).status_code == 403
    not_a_worker = client.put(url, json={"user_ids": [resident.id]},
                              headers=bearer(login(client, inside)))
    assert not_a_worker.status_code == 422
    me = client.get("/api/v1/me", headers=bearer(login(client, worker))).get_json()
    assert [c["code"] for c in me["grid_cells"]] == [cell["code"]]


def test_tiles(client, tree):
    # z14 tile containing (120.11, 30.205)
    response = client.get("/api/v1/tiles/grids/14/13657/6749.mvt")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.mapbox-vector-tile"
    assert response.headers["Cache-Control"].startswith("public")
    etag = response.headers["ETag"]
    cached = client.get("/api/v1/tiles/grids/14/13657/6749.mvt", headers={"If-None-Match": etag})
    assert cached.status_code == 304
    assert client.get("/api/v1/tiles/grids/14/0/0.mvt").status_code == 204
    assert client.get("/api/v1/tiles/grids/3/8/1.mvt").status_code == 400
    assert client.get("/api/v1/tiles/grids/23/0/0.mvt").status_code == 400
    assert client.get("/api/v1/tiles/planets/1/0/0.mvt").status_code == 404


def test_a_generation_over_the_limit_is_refused_before_any_work(client, db, tree, app):
    """50 m cells over a whole district once ran past the server's time-out (HTML 500)."""
    admin = bearer(login(client, make_user(db, roles=("admin",))))
    district = make_area(db, parent=tree["city"], code="330108",
                         bounds=(120.0, 30.1, 120.2, 30.3)).id  # rural, no streets yet
    district_url = f"/api/v1/areas/{district}/generate-grid"
    limit = app.config["GRID_SETTINGS"].grid_generation_max_cells
    estimate = client.get(f"/api/v1/areas/{district}/generate-grid/estimate",
                          query_string={"size_m": 50}, headers=admin).get_json()
    assert estimate["allowed"] is False
    assert estimate["limit"] == limit
    assert 150_000 < estimate["estimated_cells"] < 190_000  # ~19 km × 22 km in 50 m squares
    refused = client.post(district_url, json={"size_m": 50}, headers=admin)
    assert refused.status_code == 422
    problem = refused.get_json()
    assert problem["type"] == "urn:grid-api:problem:generation_too_large"
    assert problem["estimated_cells"] > limit
    fine = client.get(f"/api/v1/areas/{district}/generate-grid/estimate",
                      query_string={"size_m": 2000, "shape": "hexagon"}, headers=admin)
    assert fine.get_json()["allowed"] is True
    assert client.get(f"/api/v1/areas/{district}", headers=admin).status_code == 200
    assert client.get("/api/v1/areas", query_string={"parent": district},
                      headers=admin).get_json()["features"] == []  # nothing half-made


def test_the_estimate_is_close_to_what_is_generated(client, db, tree):
    admin = bearer(login(client, make_user(db, roles=("admin",))))
    street = make_area(db, parent=tree["district"], level=AreaLevel.street, code="330106003",
                       bounds=(120.13, 30.20, 120.15, 30.21))
    for shape in ("square", "hexagon"):
        estimate = client.get(f"/api/v1/areas/{street.id}/generate-grid/estimate",
                              query_string={"size_m": 150, "shape": shape},
                              headers=admin).get_json()["estimated_cells"]
        from geoalchemy2.shape import to_shape  # noqa: PLC0415

        from geo.grid import generate_cells  # noqa: PLC0415
        from grid_api.geography.areas import get_area  # noqa: PLC0415

        actual = len(generate_cells(to_shape(get_area(db, street.id).geom), shape, 150))
        assert abs(estimate - actual) <= 0.1 * actual, shape


def test_a_large_generation_runs_in_the_background_with_its_progress(client, db, tree, app,
                                                                      handoffs):
    from grid_api.geography import generation_jobs  # noqa: PLC0415
    from models.outbox import OutboxMessage, Topic  # noqa: PLC0415
    from tasks import geography as geography_jobs  # noqa: PLC0415

    admin = bearer(login(client, make_user(db, roles=("admin",))))
    street = make_area(db, parent=tree["district"], level=AreaLevel.street, code="330106004",
                       bounds=(120.13, 30.20, 120.15, 30.21))
    settings = app.config["GRID_SETTINGS"]
    app.config["GRID_SETTINGS"] = dataclasses.replace(settings, grid_generation_sync_cells=10)
    try:
        queued = client.post(f"/api/v1/areas/{street.id}/generate-grid",
                             json={"size_m": 150}, headers=admin)
    finally:
        app.config["GRID_SETTINGS"] = settings
    assert queued.status_code == 202
    job = queued.get_json()
    assert queued.headers["Location"] == job["url"]
    assert (job["status"], job["progress"]) == ("queued", 0)
    assert job["estimated_cells"] > 10
    message = db.get(OutboxMessage, handoffs[-1][0])
    assert (message.topic, message.payload) == (Topic.grid_generation.value,
                                                {"job_id": job["id"]})
    seen = []
    assert generation_jobs.run_job(db, job["id"], seen.append) == "done"
    db.flush()  # the worker's job commits here
    assert seen == sorted(seen)
    assert seen[0] == 5
    assert seen[-1] == 99
    done = client.get(job["url"], headers=admin).get_json()
    assert (done["status"], done["progress"]) == ("done", 100)
    children = client.get("/api/v1/areas", query_string={"parent": street.id, "limit": 200},
                          headers=admin).get_json()["features"]
    assert len(children) == done["created_cells"]
    assert abs(done["created_cells"] - job["estimated_cells"]) <= 0.1 * job["estimated_cells"]
    assert geography_jobs.grid_generation(db, job_id=job["id"]) is None  # again: left alone
    assert client.get(job["url"], headers=admin).get_json()["created_cells"] == len(children)


def test_a_background_generation_that_finds_the_area_taken_fails_cleanly(client, db, tree):
    from grid_api.geography import generation_jobs  # noqa: PLC0415
    from models.grid_generation import GridGenerationJob  # noqa: PLC0415

    job = GridGenerationJob(area_id=tree["street"].id, shape="square", size_m=500,
                            code_digits=3, estimated_cells=8, status="queued")
    db.add(job)
    db.flush()
    assert generation_jobs.run_job(db, job.id, lambda _p: None) == "failed"
    assert job.error == "area_has_children"
