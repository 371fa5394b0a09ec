"""The command centre's work queues: lists filtered by `queue=`, and their counts."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from grid_api.cases import deadlines, queues
from grid_api.cases.queues import WorkQueue
from grid_api.dispatch import automatic
from models.case import Case
from tests.api.test_cases import act, report


def _queue(client, person, queue):
    response = client.get(f"/api/v1/cases?queue={queue}", headers=person.headers)
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


def _counts(client, person):
    response = client.get("/api/v1/cases/queues", headers=person.headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _manual(client, app, db, world):
    case_id = report(client, world["worker"], category="E0602").get_json()["id"]
    automatic.auto_dispatch(db, app.extensions["grid_case_settings"], case_id)
    return case_id


def test_a_case_without_a_rule_waits_in_manual_dispatch_until_dispatched(client, app, db,
                                                                          world):
    case_id = _manual(client, app, db, world)
    assert _queue(client, world["supervisor"], "manual_dispatch") == [case_id]
    assert _counts(client, world["supervisor"])["manual_dispatch"] == 1
    assert _counts(client, world["far_supervisor"])["manual_dispatch"] == 0  # not their area
    act(client, world["supervisor"], case_id, "dispatch", {"unit_id": world["unit_id"]})
    assert _queue(client, world["supervisor"], "manual_dispatch") == []
    assert _counts(client, world["supervisor"])["manual_dispatch"] == 0


def test_a_returned_case_and_an_extension_request_wait_for_the_supervisor(client, app, db,
                                                                          world):
    case_id = _manual(client, app, db, world)
    act(client, world["supervisor"], case_id, "dispatch", {"unit_id": world["unit_id"]})
    act(client, world["unit"], case_id, "return", {"reason": "wrong_location"})
    assert _queue(client, world["supervisor"], "returned") == [case_id]
    assert _queue(client, world["supervisor"], "manual_dispatch") == []
    act(client, world["supervisor"], case_id, "dispatch", {"unit_id": world["unit_id"]})
    act(client, world["unit"], case_id, "accept")
    act(client, world["unit"], case_id, "extend", {"until": "2099-01-01T09:00:00+08:00",
                                                  "note": "等配件"})
    assert _queue(client, world["supervisor"], "extension_requested") == [case_id]
    counts = _counts(client, world["supervisor"])
    assert counts | {"due_soon": 0} == {
        "manual_dispatch": 0, "returned": 0, "overdue": 0, "due_soon": 0,
        "extension_requested": 1, "disputed": 0}


def test_overdue_and_nearly_overdue_cases(client, app, db, world):
    late, soon = _manual(client, app, db, world), _manual(client, app, db, world)
    now = datetime.now(UTC)
    db.get(Case, late).overdue = True
    db.get(Case, soon).register_deadline = now + timedelta(hours=2)
    db.get(Case, late).register_deadline = now - timedelta(hours=1)
    db.flush()
    assert _queue(client, world["supervisor"], "overdue") == [late]
    assert _queue(client, world["supervisor"], "due_soon") == [soon]


def test_queues_are_for_staff_and_unknown_queues_are_refused(client, world):
    assert client.get("/api/v1/cases/queues",
                      headers=world["resident"].headers).status_code == 403
    refused = client.get("/api/v1/cases?queue=everything", headers=world["supervisor"].headers)
    assert refused.status_code == 422


def test_a_case_says_which_actions_the_reader_may_take_now(client, app, db, world):
    case_id = _manual(client, app, db, world)

    def actions(person):
        return client.get(f"/api/v1/cases/{case_id}", headers=person.headers).get_json()[
            "actions"]

    assert {"dispatch", "comment"} <= set(actions(world["supervisor"]))
    assert "register" not in actions(world["supervisor"])  # already registered
    assert "dispatch" not in actions(world["worker"])
    act(client, world["supervisor"], case_id, "dispatch", {"unit_id": world["unit_id"]})
    assert {"accept", "return"} <= set(actions(world["unit"]))
    assert "accept" not in actions(world["supervisor"])


def test_nearly_overdue_is_a_working_day_not_24_hours(client, app, db, world):
    """Friday 16:00 (Asia/Shanghai, 08:30–17:30): the window runs 1.5 h on Friday and 7.5 h
    on Monday, so a Monday-morning deadline is nearly overdue already — 24 wall-clock hours
    would have ended on Saturday afternoon."""
    settings = app.extensions["grid_case_settings"]
    zone = ZoneInfo(settings.timezone)
    friday = datetime(2026, 11, 27, 16, 0, tzinfo=zone)  # no holiday near
    until = deadlines.due_soon_until(db, settings, friday.astimezone(UTC))
    assert until == datetime(2026, 11, 30, 16, 0, tzinfo=zone)
    monday_morning, tuesday = _manual(client, app, db, world), _manual(client, app, db, world)
    db.get(Case, monday_morning).register_deadline = datetime(2026, 11, 30, 10, 0, tzinfo=zone)
    db.get(Case, tuesday).register_deadline = datetime(2026, 12, 1, 10, 0, tzinfo=zone)
    db.flush()
    nearly = db.scalars(select(Case.id).where(
        Case.id.in_([monday_morning, tuesday]),
        queues.condition(WorkQueue.due_soon, friday.astimezone(UTC), soon_until=until))).all()
    assert nearly == [monday_morning]
    wall_clock = db.scalars(select(Case.id).where(
        Case.id.in_([monday_morning, tuesday]),
        queues.condition(WorkQueue.due_soon, friday.astimezone(UTC),
                         soon_until=friday + timedelta(hours=24)))).all()
    assert wall_clock == []

