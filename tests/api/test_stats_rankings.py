"""GET /stats/rankings: units, areas and grid workers ranked by the city's weights."""

import pytest

from tests.api.test_cases import act, report

PERIOD = "from=2026-01-01&to=2026-12-31"


@pytest.fixture
def two_units(client, world):
    done = report(client, world["worker"]).get_json()["id"]
    for who, action, body in [("supervisor", "dispatch", {"unit_id": world["unit_id"]}),
                              ("unit", "accept", {}), ("unit", "resolve", {"note": "好了"}),
                              ("worker", "verify", {}), ("supervisor", "close", {})]:
        assert act(client, world[who], done, action, body).status_code == 200
    waiting = report(client, world["supervisor"]).get_json()["id"]
    assert act(client, world["supervisor"], waiting, "dispatch",
               {"unit_id": world["other_unit_id"]}).status_code == 200


def ranked(client, who, kind, extra=""):
    return client.get(f"/api/v1/stats/rankings?kind={kind}&{PERIOD}{extra}",
                      headers=who.headers)


def test_units_ranked_with_explained_scores(client, world, two_units):
    response = ranked(client, world["supervisor"], "unit")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert [item["key"] for item in body["items"]] == [str(world["unit_id"]),
                                                       str(world["other_unit_id"])]
    best = body["items"][0]
    assert best["rank"] == 1
    assert best["label"]["name"] == "西湖区城管"
    assert {c["name"]: c["weight"] for c in best["components"]} == {
        "closing_rate": 30, "on_time_handling_rate": 30, "no_rework": 30, "volume": 10}
    assert best["score"] == pytest.approx(sum(c["points"] for c in best["components"]
                                              if c["points"] is not None), abs=0.02)
    assert best["grade"] in {"A", "B", "C", "D", "E"}
    assert body["items"][1]["score"] < best["score"]
    assert set(body["period"]) == {"from", "to", "timezone"}
    assert len(body["period"]["from"]) == len("2026-01-01")  # an ISO date


def test_grid_workers_and_child_areas(client, world, two_units):
    workers = ranked(client, world["admin"], "grid_worker").get_json()
    assert str(world["worker"].user.id) in {item["key"] for item in workers["items"]}
    areas = ranked(client, world["admin"], "area", f"&area={world['city'].id}").get_json()
    assert [item["label"]["code"] for item in areas["items"]] == ["330106"]


def test_admins_set_weights_and_grades(client, world, two_units):
    bad = client.patch("/api/v1/stats/ranking-settings", headers=world["admin"].headers,
                       json={"weights": {"unit": {"closing_rate": 60}}})
    assert bad.status_code == 422
    changed = client.patch("/api/v1/stats/ranking-settings", headers=world["admin"].headers,
                           json={"weights": {"unit": {"closing_rate": 100}},
                                 "grades": [{"grade": "优", "from": 95},
                                            {"grade": "差", "from": 0}]})
    assert changed.status_code == 200, changed.get_json()
    body = ranked(client, world["supervisor"], "unit").get_json()
    assert body["items"][0]["score"] == 100.0
    assert body["items"][0]["grade"] == "优"
    assert body["items"][1]["grade"] == "差"


@pytest.mark.parametrize(("who", "query", "status"), [
    ("resident", "kind=unit", 403), ("unit", "kind=unit", 403), ("worker", "kind=unit", 403),
    ("supervisor", "kind=street", 422), ("supervisor", "kind=unit&area={far}", 403),
])
def test_refused(client, world, who, query, status):
    query = query.format(far=world["other_district"].id)
    response = client.get(f"/api/v1/stats/rankings?{query}&{PERIOD}", headers=world[who].headers)
    assert response.status_code == status
