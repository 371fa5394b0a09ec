"""GET /stats/indicators over HTTP: scoping by role, bad input as 4xx, the 口径 setting."""

import pytest

from tests.api.test_cases import act, report

MONTH = "from=2026-01-01&to=2026-12-31"


def stats(client, who, query=""):
    return client.get(f"/api/v1/stats/indicators?{MONTH}&{query}", headers=who.headers)


@pytest.fixture
def cases(client, world):
    """Two cases of the district: one closed through the loop, one returned."""
    closed = report(client, world["worker"]).get_json()["id"]
    for who, action, body in [("supervisor", "dispatch", {"unit_id": world["unit_id"]}),
                              ("unit", "accept", {}), ("unit", "resolve", {"note": "好了"}),
                              ("worker", "verify", {}), ("supervisor", "close", {})]:
        assert act(client, world[who], closed, action, body).status_code == 200
    returned = report(client, world["supervisor"], source="hotline").get_json()["id"]
    act(client, world["supervisor"], returned, "dispatch", {"unit_id": world["unit_id"]})
    act(client, world["unit"], returned, "return", {"reason": "wrong_location"})
    return closed, returned


def test_a_supervisor_reads_the_area_subtree(client, world, cases):
    response = stats(client, world["supervisor"])
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["filters"]["area"] == world["district"].id
    counts = body["total"]["counts"]
    assert (counts["reported"], counts["registered"], counts["closed"], counts["returns"]) == (
        2, 2, 1, 1)
    assert body["total"]["rates"]["closing_rate"] == {"value": 50.0, "numerator": 1,
                                                      "denominator": 2}
    assert body["definitions"]["cohort"] == "registered"
    assert body["period"] == {"from": "2026-01-01", "to": "2026-12-31",
                              "timezone": "Asia/Shanghai"}  # ISO dates, not HTTP dates
    far = stats(client, world["far_supervisor"]).get_json()["total"]["counts"]
    assert far["reported"] == 0


def test_grouping_by_source_free_filters_and_child_areas(client, world, cases):
    hotline = stats(client, world["supervisor"], "source=hotline").get_json()
    assert hotline["total"]["counts"]["reported"] == 1
    by_area = stats(client, world["admin"], f"group_by=area&area={world['city'].id}").get_json()
    assert [(g["key"], g["label"]["code"]) for g in by_area["groups"]] == [
        (str(world["district"].id), "330106")]
    by_month = stats(client, world["supervisor"], "group_by=month").get_json()
    assert sum(g["counts"]["reported"] for g in by_month["groups"]) == 2


def test_unit_staff_and_grid_workers_see_their_own(client, world, cases):
    unit = stats(client, world["unit"]).get_json()
    assert unit["filters"]["unit"] == world["unit_id"]
    assert unit["total"]["counts"]["returns"] == 1
    worker = stats(client, world["worker"]).get_json()
    assert worker["filters"]["worker"] == world["worker"].user.id
    assert worker["total"]["counts"]["reported"] == 1
    assert stats(client, world["other_unit"]).get_json()["total"]["counts"]["dispatched"] == 0


@pytest.mark.parametrize(("who", "query", "status"), [
    ("resident", "", 403),
    ("supervisor", "area={other_district}", 403),
    ("unit", "unit={other_unit_id}", 403),
    ("worker", "worker={far_worker_id}", 403),
    ("supervisor", "group_by=weekday", 422),
    ("supervisor", "area=999999999", 422),
])
def test_refused_scopes_and_groupings(client, world, who, query, status):
    query = query.format(other_district=world["other_district"].id,
                         other_unit_id=world["other_unit_id"],
                         far_worker_id=world["far_worker"].user.id)
    response = stats(client, world[who], query)
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("application/problem+json")


@pytest.mark.parametrize("period", [
    "", "from=2026-01-01", "to=2026-01-01", "from=2026-02-01&to=2026-01-01",
    "from=2024-01-01&to=2026-01-01", "from=2026-13-01&to=2026-12-31",
])
def test_bad_periods_are_422(client, world, period):
    response = client.get(f"/api/v1/stats/indicators?{period}",
                          headers=world["supervisor"].headers)
    assert response.status_code == 422
    assert response.headers["Content-Type"].startswith("application/problem+json")


def test_admins_change_the_definitions_and_answers_name_them(client, world, cases):
    assert client.get("/api/v1/stats/definitions").get_json()["exclude_deferred"] is True
    refused = client.patch("/api/v1/stats/definitions", json={"cohort": "reported"},
                           headers=world["supervisor"].headers)
    assert refused.status_code == 403
    bad = client.patch("/api/v1/stats/definitions", json={"cohort": "closed"},
                       headers=world["admin"].headers)
    assert bad.status_code == 422
    changed = client.patch("/api/v1/stats/definitions",
                           json={"cohort": "reported", "rework_denominator": "due"},
                           headers=world["admin"].headers)
    assert changed.status_code == 200, changed.get_json()
    body = stats(client, world["supervisor"]).get_json()
    assert body["definitions"]["cohort"] == "reported"
    assert body["definitions"]["rework_denominator"] == "due"
