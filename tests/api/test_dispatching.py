"""Units, routing rules (most specific wins, explained), automatic dispatch, the inbox."""

import pytest
from sqlalchemy import event, select
from sqlalchemy.engine import Engine

from grid_api.cases import workflow
from grid_api.dispatch import automatic
from grid_api.identity.principal import SYSTEM
from models.case import Case
from models.outbox import OutboxMessage
from tests.api.test_cases import POINT, act, report
from tests.factories import make_unit


def _rule(client, world, category, area, unit_id, *, priority=0):
    response = client.post("/api/v1/routing-rules", headers=world["admin"].headers, json={
        "category": category, "area_id": area.id, "unit_id": unit_id, "priority": priority})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def _resolve(client, world, category):
    return client.get(f"/api/v1/routing-rules/resolve?category={category}&lon={POINT[0]}"
                      f"&lat={POINT[1]}", headers=world["supervisor"].headers).get_json()


def test_events_route_territory_first(client, db, world):
    district_unit, street_unit = make_unit(db, name="区城管"), make_unit(db, name="街道")
    _rule(client, world, "E0104", world["district"], district_unit.id)  # minor, coarse area
    finer = _rule(client, world, "E01", world["street"], street_unit.id)  # major, finer area
    resolved = _resolve(client, world, "E0104")
    assert (resolved["rule_id"], resolved["unit_id"]) == (finer, street_unit.id)
    assert "territory-first" in resolved["explanation"]
    assert len(resolved["candidates"]) == 2


def test_components_route_owner_first(client, db, world):
    owner, street_unit = make_unit(db, name="水务"), make_unit(db, name="街道")
    owner_rule = _rule(client, world, "C0101", world["city"], owner.id)  # minor, coarse area
    _rule(client, world, "C01", world["street"], street_unit.id)  # major, finer area
    resolved = _resolve(client, world, "C0101")
    assert (resolved["rule_id"], resolved["unit_id"]) == (owner_rule, owner.id)
    assert "owner-first" in resolved["explanation"]


def test_priority_breaks_ties_and_retired_rules_do_not_apply(client, db, world):
    low, high = make_unit(db, name="低"), make_unit(db, name="高")
    _rule(client, world, "E0104", world["street"], low.id)
    best = _rule(client, world, "E0104", world["street"], high.id, priority=5)
    assert _resolve(client, world, "E0104")["rule_id"] == best
    listed = client.get("/api/v1/routing-rules", headers=world["supervisor"].headers)
    assert {(r["id"], r["category"]) for r in listed.get_json()["items"]} >= {(best, "E0104")}
    assert client.delete(f"/api/v1/routing-rules/{best}",
                         headers=world["admin"].headers).status_code == 204
    assert _resolve(client, world, "E0104")["unit_id"] == low.id
    listed = client.get("/api/v1/routing-rules", headers=world["supervisor"].headers)
    assert best not in [r["id"] for r in listed.get_json()["items"]]
    assert client.delete("/api/v1/routing-rules/999999",
                         headers=world["admin"].headers).status_code == 404


def test_no_rule_explains_itself(client, world):
    resolved = _resolve(client, world, "E0602")
    assert resolved["unit_id"] is None
    assert "manual dispatch" in resolved["explanation"]


def test_bad_rules_are_422(client, world):
    response = client.post("/api/v1/routing-rules", headers=world["admin"].headers,
                           json={"category": "X1", "area_id": 0, "unit_id": 0})
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"category", "area_id", "unit_id"}


def test_registering_writes_an_auto_dispatch_job(client, db, world, handoffs):
    case_id = report(client, world["worker"]).get_json()["id"]
    messages = db.execute(select(OutboxMessage).where(
        OutboxMessage.topic == "case.auto_dispatch")).scalars().all()
    assert [m.payload for m in messages] == [{"case_id": case_id}]
    assert (messages[0].id, "high") in handoffs


def test_auto_dispatch_follows_the_rule_once(client, app, db, world):
    unit = make_unit(db, name="保洁公司")
    rule = _rule(client, world, "E0104", world["community"], unit.id)
    case_id = report(client, world["worker"]).get_json()["id"]
    settings = app.extensions["grid_case_settings"]
    assert automatic.auto_dispatch(db, settings, case_id) == "dispatched"
    assert automatic.auto_dispatch(db, settings, case_id) == "skipped"  # a redelivery
    case = db.get(Case, case_id)
    assert (case.status.value, case.unit_id) == ("dispatched", unit.id)
    assert case.handle_deadline is not None
    assert [e.action for e in case.events] == ["report", "register", "dispatch"]
    assert case.events[-1].actor_id is None
    assert case.events[-1].note == f"routing rule {rule}"


def test_no_rule_flags_manual_dispatch_and_tells_the_supervisors(client, app, db, world):
    case_id = report(client, world["worker"], category="E0602").get_json()["id"]
    settings = app.extensions["grid_case_settings"]
    assert automatic.auto_dispatch(db, settings, case_id) == "manual"
    assert automatic.auto_dispatch(db, settings, case_id) == "manual"
    assert db.get(Case, case_id).needs_manual_dispatch
    inbox = client.get("/api/v1/notifications", headers=world["supervisor"].headers).get_json()
    assert inbox["unread"] == 1  # told once, not on every redelivery
    assert inbox["items"][0]["title"] == "案件待人工派遣"
    english = client.get("/api/v1/notifications", headers={
        **world["supervisor"].headers, "Accept-Language": "en"}).get_json()["items"][0]
    assert english["title"] == "Case needs manual dispatch"
    assert client.get("/api/v1/notifications",
                      headers=world["far_supervisor"].headers).get_json()["unread"] == 0
    manual = act(client, world["supervisor"], case_id, "dispatch", {"unit_id": world["unit_id"]})
    assert manual.get_json()["needs_manual_dispatch"] is False


def test_a_returned_case_goes_back_to_the_supervisors(client, world):
    case_id = report(client, world["worker"]).get_json()["id"]
    act(client, world["supervisor"], case_id, "dispatch", {"unit_id": world["unit_id"]})
    act(client, world["unit"], case_id, "return", {"reason": "wrong_location"})
    inbox = client.get("/api/v1/notifications", headers=world["supervisor"].headers).get_json()
    assert [item["kind"] for item in inbox["items"]] == ["case_returned"]
    read = client.post(f"/api/v1/notifications/{inbox['items'][0]['id']}/read",
                       headers=world["supervisor"].headers)
    assert read.get_json()["read_at"] is not None
    assert client.get("/api/v1/notifications?unread=true",
                      headers=world["supervisor"].headers).get_json()["items"] == []
    other = client.post(f"/api/v1/notifications/{inbox['items'][0]['id']}/read",
                        headers=world["resident"].headers)
    assert other.status_code == 404


def test_units_admin(client, world):
    headers = world["admin"].headers
    created = client.post("/api/v1/units", headers=headers,
                          json={"code": "XH-SW", "name": "西湖区水务", "contact_phone": "0571"})
    assert created.status_code == 201
    duplicate = client.post("/api/v1/units", headers=headers,
                            json={"code": "XH-SW", "name": "again"})
    assert duplicate.status_code == 409
    unit_id = created.get_json()["id"]
    renamed = client.patch(f"/api/v1/units/{unit_id}", headers=headers,
                           json={"name": "西湖区水务局", "parent_id": world["unit_id"]})
    assert renamed.get_json()["parent_id"] == world["unit_id"]
    assert client.patch(f"/api/v1/units/{unit_id}", headers=headers,
                        json={"parent_id": unit_id}).status_code == 422
    listed = client.get("/api/v1/units", headers=world["unit"].headers).get_json()["items"]
    assert unit_id in [u["id"] for u in listed]


def test_calendar_days_move_deadlines(client, db, world, app):
    from datetime import UTC, datetime, timedelta  # noqa: PLC0415

    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date()
    put = client.put("/api/v1/calendar", headers=world["admin"].headers,
                     json={"day": tomorrow.isoformat(), "working": False, "note": "测试假日"})
    assert put.status_code == 200
    listed = client.get(f"/api/v1/calendar?year={tomorrow.year}",
                        headers=world["resident"].headers).get_json()["items"]
    assert {"day": tomorrow.isoformat(), "working": False, "note": "测试假日"} in listed
    settings = app.extensions["grid_case_settings"]
    ctx = workflow.ActionContext(db, SYSTEM, settings)
    assert ctx.calendar.is_working(tomorrow) is False


def test_putting_a_calendar_day_again_replaces_it(client, world):
    admin = world["admin"].headers
    for working in (False, True):
        assert client.put("/api/v1/calendar", headers=admin, json={
            "day": "2031-10-08", "working": working, "note": "调休"}).status_code == 200
    listed = client.get("/api/v1/calendar?year=2031", headers=admin).get_json()["items"]
    assert listed == [{"day": "2031-10-08", "working": True, "note": "调休"}]


@pytest.mark.parametrize("body", [{"day": "2026-13-01", "working": True}, {"day": "2026-10-01"}])
def test_bad_calendar_days_are_422(client, world, body):
    assert client.put("/api/v1/calendar", headers=world["admin"].headers,
                      json=body).status_code == 422


def test_the_same_rule_twice_is_409_and_a_retired_one_comes_back(client, world):
    rule = _rule(client, world, "E01", world["district"], world["unit_id"])
    again = client.post("/api/v1/routing-rules", headers=world["admin"].headers, json={
        "category": "E01", "area_id": world["district"].id, "unit_id": world["unit_id"]})
    assert again.status_code == 409
    assert again.get_json()["type"].endswith("routing_rule_exists")
    client.delete(f"/api/v1/routing-rules/{rule}", headers=world["admin"].headers)
    assert _rule(client, world, "E01", world["district"], world["unit_id"], priority=5) == rule
    assert _resolve(client, world, "E0104")["rule_id"] == rule


def test_routing_reads_no_area_outlines(client, world):
    _rule(client, world, "E01", world["district"], world["unit_id"])
    statements = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        resolved = _resolve(client, world, "E0104")
    finally:
        event.remove(Engine, "before_cursor_execute", record)
    assert resolved["unit_id"] == world["unit_id"]
    assert not [s for s in statements if "areas.geom" in s]
