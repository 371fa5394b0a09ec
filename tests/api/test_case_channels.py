"""Source channels (来源) set by the path that files a case, and the urgent flag (急要件)."""

from datetime import datetime

import pytest
from sqlalchemy import select

from models.case import CaseEvent
from models.category import Category
from tests.api.test_cases import act, report


@pytest.mark.parametrize(("who", "asked", "channel"), [
    ("resident", None, "resident_app"),
    ("resident", "resident_app", "resident_app"),
    ("worker", None, "grid_worker"),
    ("supervisor", None, "supervision"),
    ("supervisor", "hotline", "hotline"),
    ("supervisor", "leader_assigned", "leader_assigned"),
    ("worker", "video", "video"),
])
def test_the_filing_path_sets_the_channel(client, world, who, asked, channel):
    extra = {"source": asked} if asked else {}
    case = report(client, world[who], **extra).get_json()
    assert case["source"] == channel
    shown = client.get(f"/api/v1/cases/{case['id']}", headers=world[who].headers).get_json()
    assert shown["source"] == channel


@pytest.mark.parametrize("asked", ["hotline", "media", "no_such_channel"])
def test_a_resident_cannot_claim_another_channel(client, world, asked):
    response = report(client, world["resident"], source=asked)
    assert response.status_code == 422
    assert "source" in response.get_json()["errors"]


def test_lists_filter_by_channel_and_urgency(client, world):
    supervisor = world["supervisor"]
    hotline = report(client, supervisor, source="hotline").get_json()["id"]
    video = report(client, supervisor, source="video", urgent=True).get_json()["id"]
    report(client, supervisor, source="media")
    own = report(client, world["worker"]).get_json()["id"]

    def listed(query):
        response = client.get(f"/api/v1/cases?{query}", headers=supervisor.headers)
        assert response.status_code == 200, response.get_json()
        return {item["id"] for item in response.get_json()["items"]}

    assert listed("source=hotline&source=video") == {hotline, video}
    assert listed("source=grid_worker") == {own}
    assert listed("urgent=true") == {video}
    assert hotline in listed("urgent=false")
    assert client.get("/api/v1/cases?source=fax", headers=supervisor.headers).status_code == 422


def test_only_supervisors_file_urgent_cases_with_shorter_limits(client, world):
    ordinary = report(client, world["supervisor"]).get_json()
    urgent = report(client, world["supervisor"], urgent=True).get_json()
    assert urgent["urgent"] is True
    assert ordinary["urgent"] is False
    assert urgent["deadlines"]["register"] < ordinary["deadlines"]["register"]
    refused = report(client, world["worker"], urgent=True)
    assert refused.status_code == 403


def _dispatched(client, world, **overrides):
    case_id = report(client, world["worker"], **overrides).get_json()["id"]
    response = act(client, world["supervisor"], case_id, "dispatch",
                   {"unit_id": world["unit_id"]})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_marking_urgent_shortens_the_running_stage_and_clearing_restores_it(client, db, world):
    case = _dispatched(client, world)
    ordinary = case["deadlines"]["handle"]
    assert act(client, world["unit"], case["id"], "urgent", {"urgent": True}).status_code == 403
    marked = act(client, world["supervisor"], case["id"], "urgent",
                 {"urgent": True, "note": "领导批示"})
    assert marked.status_code == 200, marked.get_json()
    assert marked.get_json()["urgent"] is True
    assert marked.get_json()["deadlines"]["handle"] < ordinary
    assert act(client, world["supervisor"], case["id"], "urgent",
               {"urgent": True}).status_code == 409
    cleared = act(client, world["supervisor"], case["id"], "urgent", {"urgent": False})
    assert cleared.get_json()["deadlines"]["handle"] == ordinary
    event = db.execute(select(CaseEvent).where(CaseEvent.case_id == case["id"],
                                               CaseEvent.action == "urgent")
                       .order_by(CaseEvent.seq)).scalars().first()
    assert event.data["urgent"] is True
    assert datetime.fromisoformat(event.data["handle_deadline"]) == datetime.fromisoformat(
        marked.get_json()["deadlines"]["handle"])
    assert act(client, world["supervisor"], case["id"], "urgent", {}).status_code == 422


def test_a_category_may_carry_its_own_urgent_limits(client, db, world):
    category = db.execute(select(Category).where(Category.code == "E0104")).scalar_one()
    category.time_limits = {**category.time_limits,
                            "handle": {"value": 5, "unit": "working_days"},
                            "urgent_handle": {"value": 2, "unit": "working_hours"}}
    db.flush()
    ordinary = _dispatched(client, world)
    urgent = _dispatched(client, world, urgent=False)
    marked = act(client, world["supervisor"], urgent["id"], "urgent", {"urgent": True})
    handle = datetime.fromisoformat(marked.get_json()["deadlines"]["handle"])
    dispatched = datetime.fromisoformat(ordinary["deadlines"]["handle"])
    assert handle < dispatched
    # Two working hours from dispatch at most: within the next working day.
    assert (handle - datetime.fromisoformat(urgent["updated_at"])).days <= 3


def test_admins_set_urgent_limits_on_categories(client, world):
    response = client.patch("/api/v1/categories/E0104", headers=world["admin"].headers,
                            json={"time_limits": {"urgent_handle": {"value": 4,
                                                                    "unit": "working_hours"}}})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["time_limits"]["urgent_handle"]["value"] == 4
