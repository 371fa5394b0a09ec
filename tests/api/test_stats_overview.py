"""The one-screen overview for supervisors, and the public one without cases or people."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from models.case_counter import CaseCounter
from tests.api.test_cases import act, report


def _city(client, db, world):
    closed = report(client, world["worker"]).get_json()["id"]
    for who, action, body in [("supervisor", "dispatch", {"unit_id": world["unit_id"]}),
                              ("unit", "accept", {}), ("unit", "resolve", {"note": "好了"}),
                              ("worker", "verify", {}), ("supervisor", "close", {})]:
        assert act(client, world[who], closed, action, body).status_code == 200
    late = report(client, world["supervisor"], source="hotline").get_json()["id"]
    act(client, world["supervisor"], late, "dispatch", {"unit_id": world["unit_id"]})
    act(client, world["unit"], late, "return", {"reason": "wrong_location"})
    act(client, world["supervisor"], late, "dispatch", {"unit_id": world["unit_id"]})
    soon = report(client, world["resident"]).get_json()["id"]
    # Deadlines as the calendar makes them lie hours ahead: move two of them.
    now = datetime.now(UTC)
    db.execute(update(CaseCounter).where(CaseCounter.case_id == late)
               .values(due_at=now - timedelta(hours=3)))
    db.execute(update(CaseCounter).where(CaseCounter.case_id == soon)
               .values(due_at=now + timedelta(hours=2)))
    return closed, late, soon


def test_a_supervisor_sees_the_whole_screen(client, db, world):
    _closed, late, soon = _city(client, db, world)
    response = client.get("/api/v1/stats/overview", headers=world["supervisor"].headers)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["area"] == world["district"].id
    assert (body["today"]["reported"], body["today"]["registered"],
            body["today"]["closed"]) == (3, 2, 1)
    assert body["month"]["reported"] >= 3
    assert body["open_by_status"] == {"dispatched": 1, "reported": 1}
    assert body["sources"] == {"grid_worker": 1, "hotline": 1}
    assert [c["category"] for c in body["top_categories"]] == ["E01"]
    assert body["overdue"]["count"] == 1
    assert [c["id"] for c in body["overdue"]["cases"]] == [late]
    assert [c["id"] for c in body["due_soon"]["cases"]] == [soon]
    assert body["most_returned_units"][0]["returns"] == 1
    assert body["most_returned_units"][0]["label"]["name"] == "西湖区城管"
    assert body["trend"]["year"]["last_year"]["reported"] == 0
    assert body["trend"]["month"]["current"]["reported"] >= 3


def test_the_public_overview_names_no_case_and_no_unit(client, db, world):
    _city(client, db, world)
    response = client.get(f"/api/v1/stats/public-overview?area={world['district'].id}")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["today"]["reported"] == 3
    assert body["overdue"] == {"count": 1}
    assert "most_returned_units" not in body
    assert "cases" not in body["due_soon"]


def test_scopes_and_bad_areas(client, world):
    far = client.get(f"/api/v1/stats/overview?area={world['other_district'].id}",
                     headers=world["supervisor"].headers)
    assert far.status_code == 403
    assert client.get("/api/v1/stats/overview", headers=world["unit"].headers).status_code == 403
    missing = client.get("/api/v1/stats/public-overview?area=999999999")
    assert missing.status_code == 422
