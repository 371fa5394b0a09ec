"""The top of the tree over the API: an admin imports a deployment's root city (and what
lies below it) with no area named; the report names the parents it missed."""

import json
from pathlib import Path

from tests.factories import bearer, login, make_user

JIAXING = Path(__file__).resolve().parents[2] / "examples" / "jiaxing" / "areas" / "jiaxing.geojson"


def test_an_admin_imports_a_city_from_the_root_down(client, db):
    collection = json.loads(JIAXING.read_text("utf-8"))
    resident = bearer(login(client, make_user(db)))
    assert client.post("/api/v1/areas/import", json=collection,
                       headers=resident).status_code == 403
    admin = bearer(login(client, make_user(db, roles=("admin",))))
    response = client.post("/api/v1/areas/import", json=collection, headers=admin)
    assert response.status_code == 200
    report = response.get_json()
    assert (report["area_id"], report["created"], report["rejected"]) == (None, 8, 0)
    cities = client.get("/api/v1/areas?level=city").get_json()["features"]
    assert [city["properties"]["code"] for city in cities] == ["330400"]
    city_id = cities[0]["id"]
    districts = client.get(f"/api/v1/areas?parent={city_id}").get_json()["features"]
    assert len(districts) == 7


def test_the_report_names_a_missing_parent(client, db):
    admin = bearer(login(client, make_user(db, roles=("admin",))))
    street = {"type": "Feature", "properties": {"code": "330402001", "name": "街道"},
              "geometry": {"type": "Polygon", "coordinates": [[[120.7, 30.7], [120.71, 30.7],
                                                               [120.71, 30.71], [120.7, 30.7]]]}}
    response = client.post("/api/v1/areas/import?dry_run=true", headers=admin,
                           json={"type": "FeatureCollection", "features": [street]})
    outcome = response.get_json()["features"][0]
    assert (outcome["reason"], outcome["missing_parent"]) == ("parent_missing", "330402")
