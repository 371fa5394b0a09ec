"""Reporting cases and walking the closed loop over the API."""

import dataclasses
import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from geo.crs import from_wgs84
from grid_api.cases.schemas import CaseCreateSchema
from models.calendar import CalendarDay
from models.case import Case, CaseEvent

POINT = [120.1010, 30.2090]  # in the north-west cell (cells[0]) of the test community
LOCATION = {"type": "Point", "coordinates": POINT}


def report(client, who, **overrides):
    body = {"category": "E0104", "description": "人行道上有大量落叶和垃圾",
            "location": {"type": "Point", "coordinates": POINT}}
    body.update(overrides)
    return client.post("/api/v1/cases", json=body, headers=who.headers)


def act(client, who, case_id, action, body=None, **headers):
    return client.post(f"/api/v1/cases/{case_id}/{action}", json=body or {},
                       headers={**who.headers, **headers})


def test_resident_report_waits_for_registration(client, world):
    response = report(client, world["resident"])
    assert response.status_code == 201
    case = response.get_json()
    assert case["status"] == "reported"
    assert case["grid"]["code"] == world["cells"][0].code
    assert [a["code"] for a in case["grid"]["ancestors"]] == [
        "330100", "330106", "330106001", "330106001001"]
    assert case["deadlines"]["register"] is not None
    assert case["category"]["name_zh"] == "道路不洁"
    assert len(case["code"]) == 14
    assert response.headers["ETag"] == f'W/"{case["id"]}-{case["version"]}"'


def test_grid_worker_report_is_registered_at_once(client, world):
    case = report(client, world["worker"]).get_json()
    assert case["status"] == "registered"


def test_gcj02_report_is_stored_as_wgs84(client, world):
    gcj = from_wgs84(*POINT, "gcj02")
    case = report(client, world["resident"], crs="gcj02",
                  location={"type": "Point", "coordinates": list(gcj)}).get_json()
    assert case["location"]["coordinates"] == pytest.approx(POINT, abs=1e-7)
    assert case["reported_crs"] == "gcj02"


@pytest.mark.parametrize(("overrides", "field"), [
    ({"category": "Z9999"}, "category"),
    ({"category": "E01"}, "category"),  # a major class is not reportable
    ({"description": "x" * 2001}, "description"),
    ({"description": ""}, "description"),
    ({"location": {"type": "Point", "coordinates": [200, 30]}}, "location"),
    ({"location": {"type": "Polygon", "coordinates": [1, 2]}}, "location"),
    ({"crs": "mars"}, "crs"),
    ({"seen_at": "2099-01-01T00:00:00Z"}, "seen_at"),
    ({"seen_at": "yesterday"}, "seen_at"),
    ({"photo": "x"}, "photo"),
])
def test_bad_reports_are_422_per_field(client, world, overrides, field):
    response = report(client, world["resident"], **overrides)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


@pytest.mark.parametrize(("raw", "field"), [
    ('"description": "\\ud800 broken"', "description"),
    ('"description": "ok", "address": "x\\udfff"', "address"),
    ('"description": "ok", "\\ud800": 1', "_body"),
    ('"description": "a\\u0000b"', "description"),
])
def test_text_no_database_can_store_is_422(client, world, raw, field):
    body = '{"category": "E0104", "location": ' + json.dumps(LOCATION) + ", " + raw + "}"
    response = client.post("/api/v1/cases", data=body, content_type="application/json",
                           headers=world["resident"].headers)
    assert response.status_code == 422
    assert response.get_json()["type"].endswith("invalid_text")
    assert response.get_json()["errors"] == {field: ["含有无效字符。"]}


def test_escaped_emoji_is_text_like_any_other(client, world):
    body = ('{"category": "E0104", "description": "\\ud83d\\udeae \\u5783\\u573e", '
            '"location": ' + json.dumps(LOCATION) + "}")
    response = client.post("/api/v1/cases", data=body, content_type="application/json",
                           headers=world["resident"].headers)
    assert response.status_code == 201
    assert response.get_json()["description"] == "\U0001f6ae 垃圾"


def test_outside_every_cell_is_422(client, world):
    response = report(client, world["resident"],
                      location={"type": "Point", "coordinates": [116.4, 39.9]})
    assert response.status_code == 422
    assert response.get_json()["type"].endswith("outside_service_area")


@pytest.mark.parametrize("who", ["resident", "worker", "supervisor"])
def test_the_report_answer_is_the_case_as_read_back(client, world, who):
    person = world[who]
    created = report(client, person, address="文三路 90 号", seen_at="2026-11-01T01:00:00Z")
    read = client.get(f"/api/v1/cases/{created.get_json()['id']}", headers=person.headers)
    assert created.get_json() == read.get_json()
    assert created.headers["ETag"] == read.headers["ETag"]


def test_failed_reports_draw_no_case_number(client, db, world):
    def sequence():
        return db.execute(text("SELECT last_value, is_called FROM case_code_seq")).one()

    before = sequence()
    unknown = report(client, world["resident"], category="Z9999",
                     location={"type": "Point", "coordinates": [116.4, 39.9]})
    assert "category" in unknown.get_json()["errors"]  # checked before the place
    outside = report(client, world["resident"],
                     location={"type": "Point", "coordinates": [116.4, 39.9]})
    assert outside.get_json()["type"].endswith("outside_service_area")
    future = report(client, world["resident"], seen_at="2099-01-01T00:00:00Z")
    assert "seen_at" in future.get_json()["errors"]
    assert sequence() == before


def test_report_deadlines_follow_calendar_changes(client, db, world):
    first = datetime.fromisoformat(report(client, world["resident"]).get_json()[
        "deadlines"]["register"])
    today = datetime.now(UTC).date()
    db.add_all(CalendarDay(day=today + timedelta(days=n), working=False, note="测试停工")
               for n in range(15))
    db.flush()
    second = datetime.fromisoformat(report(client, world["resident"]).get_json()[
        "deadlines"]["register"])
    assert second.date() > today + timedelta(days=14) > first.date()


def test_request_schemas_are_built_once_per_endpoint(client, world, monkeypatch):
    built = []
    original = CaseCreateSchema.__init__

    def counting(self, *args, **kwargs):
        built.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(CaseCreateSchema, "__init__", counting)
    assert report(client, world["resident"]).status_code == 201
    assert report(client, world["resident"]).status_code == 201
    assert built == []


def test_idempotency_key_replays_and_refuses_reuse(client, db, world):
    key = {"Idempotency-Key": "phone-42-report-1"}
    body = {"category": "E0104", "description": "重复提交",
            "location": {"type": "Point", "coordinates": POINT}}
    who = world["resident"]
    first = client.post("/api/v1/cases", json=body, headers={**who.headers, **key})
    second = client.post("/api/v1/cases", json=body, headers={**who.headers, **key})
    assert first.status_code == second.status_code == 201
    assert second.get_json()["id"] == first.get_json()["id"]
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.headers["ETag"] == first.headers["ETag"]
    changed = client.post("/api/v1/cases", json={**body, "description": "另一件事"},
                          headers={**who.headers, **key})
    assert changed.status_code == 422
    assert db.execute(select(func.count()).select_from(Case)).scalar() == 1
    # Keys are per user: someone else's identical key is a different request.
    other = client.post("/api/v1/cases", json=body, headers={**world["neighbour"].headers, **key})
    assert other.get_json()["id"] != first.get_json()["id"]


def test_the_closed_loop(client, world):
    case_id = report(client, world["resident"]).get_json()["id"]
    steps = [
        ("supervisor", "register", {}),
        ("supervisor", "dispatch", {"unit_id": world["unit_id"]}),
        ("unit", "accept", {}),
        ("unit", "resolve", {"note": "已清扫"}),
        ("worker", "verify", {"note": "现场核实已清理"}),
        ("supervisor", "close", {}),
        ("resident", "rating", {"score": 5, "note": "很快"}),
    ]
    for who, action, body in steps:
        response = act(client, world[who], case_id, action, body)
        assert response.status_code == 200, (action, response.get_json())
    case = response.get_json()
    assert (case["status"], case["rating"]) == ("closed", 5)
    assert case["deadlines"]["handle"] is not None
    events = client.get(f"/api/v1/cases/{case_id}/events",
                        headers=world["resident"].headers).get_json()["items"]
    assert [e["action"] for e in events] == ["report", "register", "dispatch", "accept",
                                             "resolve", "verify", "close", "rate"]
    assert [e["seq"] for e in events] == list(range(8))


def test_action_in_the_wrong_status_is_409(client, world):
    case_id = report(client, world["resident"]).get_json()["id"]
    response = act(client, world["supervisor"], case_id, "close")
    assert response.status_code == 409
    assert "reported" in response.get_json()["detail"]


def test_out_of_scope_staff_cannot_act(client, world):
    case_id = report(client, world["worker"]).get_json()["id"]  # registered, public
    assert act(client, world["far_supervisor"], case_id, "dispatch",
               {"unit_id": world["unit_id"]}).status_code == 403
    act(client, world["supervisor"], case_id, "dispatch", {"unit_id": world["unit_id"]})
    assert act(client, world["other_unit"], case_id, "accept").status_code == 403
    assert act(client, world["far_worker"], case_id, "comments",
               {"note": "看看"}).status_code == 403
    assert act(client, world["unit"], case_id, "accept").status_code == 200


def test_other_residents_see_reported_cases_not_at_all_and_public_ones_redacted(client, world):
    case_id = report(client, world["resident"], address="文三路 1 号").get_json()["id"]
    neighbour = world["neighbour"]
    assert client.get(f"/api/v1/cases/{case_id}", headers=neighbour.headers).status_code == 404
    assert act(client, neighbour, case_id, "comments", {"note": "x"}).status_code == 404
    assert act(client, world["supervisor"], case_id, "register",
               {"note": "已电话核实"}).status_code == 200
    act(client, world["supervisor"], case_id, "comments", {"note": "内部备注", "internal": True})
    public = client.get(f"/api/v1/cases/{case_id}", headers=neighbour.headers).get_json()
    assert public["redacted"] is True
    assert "reporter" not in public
    assert "deadlines" not in public
    events = client.get(f"/api/v1/cases/{case_id}/events", headers=neighbour.headers).get_json()
    assert [e["action"] for e in events["items"]] == ["report", "register"]
    assert all(e["note"] is None and e["actor_id"] is None for e in events["items"])
    own = client.get(f"/api/v1/cases/{case_id}/events",
                     headers=world["resident"].headers).get_json()["items"]
    assert "comment" not in [e["action"] for e in own]  # the internal comment stays internal
    staff = client.get(f"/api/v1/cases/{case_id}", headers=world["supervisor"].headers).get_json()
    assert staff["reporter"]["phone"].startswith("+86")


def test_others_see_no_event_data_of_a_case(client, world):
    """An approved extension's date is the new deadline: redacted views show no deadlines."""
    case_id = _in_progress(client, world)
    act(client, world["unit"], case_id, "extend", {"until": "2099-12-31T09:00:00+08:00",
                                                   "note": "需要采购配件"})
    events = client.get(f"/api/v1/cases/{case_id}/events",
                        headers=world["neighbour"].headers).get_json()["items"]
    assert "request_extension" in [e["action"] for e in events]
    assert all(e["data"] == {} for e in events)
    staff = client.get(f"/api/v1/cases/{case_id}/events",
                       headers=world["supervisor"].headers).get_json()["items"]
    assert staff[-1]["data"]["until"].startswith("2099-12-31")


def test_stale_if_match_is_412_and_fresh_one_passes(client, world):
    created = report(client, world["resident"])
    case_id, etag = created.get_json()["id"], created.headers["ETag"]
    act(client, world["supervisor"], case_id, "comments", {"note": "先看一下"})
    stale = act(client, world["supervisor"], case_id, "register", {}, **{"If-Match": etag})
    assert stale.status_code == 412
    fresh = client.get(f"/api/v1/cases/{case_id}", headers=world["supervisor"].headers)
    ok = act(client, world["supervisor"], case_id, "register", {},
             **{"If-Match": fresh.headers["ETag"]})
    assert ok.status_code == 200


def test_returns_are_counted_and_flagged(client, world):
    case_id = report(client, world["worker"]).get_json()["id"]
    for _ in range(3):
        act(client, world["supervisor"], case_id, "dispatch", {"unit_id": world["unit_id"]})
        returned = act(client, world["unit"], case_id, "return",
                       {"reason": "not_our_responsibility", "note": "不归我们管"})
        assert returned.status_code == 200
    case = client.get(f"/api/v1/cases/{case_id}", headers=world["supervisor"].headers).get_json()
    assert (case["status"], case["return_count"], case["frequently_returned"]) == (
        "registered", 3, True)
    bad = act(client, world["unit"], case_id, "return", {"reason": "bored"})
    assert bad.status_code == 422


def _in_progress(client, world, category="E0104", reporter="resident"):
    case_id = report(client, world[reporter], category=category).get_json()["id"]
    if reporter == "resident":
        act(client, world["supervisor"], case_id, "register")
    act(client, world["supervisor"], case_id, "dispatch", {"unit_id": world["unit_id"]})
    act(client, world["unit"], case_id, "accept")
    return case_id


def test_extension_is_requested_then_approved(client, world):
    case_id = _in_progress(client, world)
    request = act(client, world["unit"], case_id, "extend",
                  {"until": "2099-12-31T09:00:00+08:00", "note": "需要采购配件"})
    assert request.status_code == 200
    assert act(client, world["unit"], case_id, "extend/decision",
               {"approve": True}).status_code == 403
    approved = act(client, world["supervisor"], case_id, "extend/decision", {"approve": True})
    assert approved.get_json()["deadlines"]["handle"].startswith("2099-12-31T01:00:00")
    again = act(client, world["supervisor"], case_id, "extend/decision", {"approve": False})
    assert again.status_code == 409


def test_verification_closes_the_case_where_configured(app, client, world, monkeypatch):
    monkeypatch.setitem(app.extensions, "grid_case_settings", dataclasses.replace(
        app.extensions["grid_case_settings"], auto_close_verified=True))
    case_id = _in_progress(client, world)
    act(client, world["unit"], case_id, "resolve", {"note": "已处理"})
    verified = act(client, world["worker"], case_id, "verify")
    assert verified.status_code == 200
    assert verified.get_json()["status"] == "closed"
    events = client.get(f"/api/v1/cases/{case_id}/events",
                        headers=world["supervisor"].headers).get_json()["items"]
    assert [(e["action"], e["actor_id"]) for e in events[-2:]] == [
        ("verify", world["worker"].user.id), ("close", None)]
    inbox = client.get("/api/v1/notifications", headers=world["resident"].headers).get_json()
    assert "case_closed" in [message["kind"] for message in inbox["items"]]
    assert act(client, world["resident"], case_id, "rating", {"score": 5}).status_code == 200


def test_rework_and_dispute(client, world):
    case_id = _in_progress(client, world)
    act(client, world["unit"], case_id, "resolve", {"note": "已处理"})
    reopened = act(client, world["worker"], case_id, "reopen", {"note": "仍有垃圾"})
    assert (reopened.get_json()["status"], reopened.get_json()["rework_count"]) == (
        "in_progress", 1)
    act(client, world["unit"], case_id, "resolve", {"note": "再次清理"})
    act(client, world["worker"], case_id, "verify")
    act(client, world["supervisor"], case_id, "close")
    assert act(client, world["supervisor"], case_id, "rating", {"score": 3}).status_code == 403
    assert act(client, world["worker"], case_id, "dispute", {"note": "x"}).status_code == 403
    assert act(client, world["resident"], case_id, "rating", {"score": 2}).status_code == 200
    assert act(client, world["resident"], case_id, "rating", {"score": 5}).status_code == 409
    disputed = act(client, world["resident"], case_id, "dispute", {"note": "又脏了"})
    assert disputed.status_code == 200
    assert (disputed.get_json()["status"], disputed.get_json()["rework_count"]) == (
        "in_progress", 2)


def test_photo_required_before_resolving(client, world, photo):
    case_id = _in_progress(client, world, category="E0102")  # 暴露垃圾 needs photos
    refused = act(client, world["unit"], case_id, "resolve", {"note": "已清理"})
    assert refused.status_code == 422
    assert refused.get_json()["type"].endswith("photo_required")
    uploaded = client.post(f"/api/v1/cases/{case_id}/attachments",
                           data={"file": (photo(), "after.jpg"), "purpose": "resolution"},
                           headers=world["unit"].headers)
    assert uploaded.status_code == 201
    assert act(client, world["unit"], case_id, "resolve", {"note": "已清理"}).status_code == 200


def test_concurrent_actions_serialise_and_the_loser_gets_409(app, committed_world):
    """Two supervisors register the same report at once: exactly one wins."""
    from grid_api.cases import workflow  # noqa: PLC0415
    from grid_api.cases.api.cases import case_settings  # noqa: PLC0415
    from grid_api.cases.commands import Register  # noqa: PLC0415
    from grid_api.errors import InvalidTransition  # noqa: PLC0415

    database, case_id, principal = committed_world
    outcomes = []
    holder = database.new_session()
    with app.app_context():
        ctx = workflow.ActionContext(holder, principal, case_settings())
        workflow.act(ctx, case_id, Register())  # holds the row lock

        def rival():
            with app.app_context(), database.new_session() as session:
                rival_ctx = workflow.ActionContext(session, principal, case_settings())
                try:
                    workflow.act(rival_ctx, case_id, Register())
                    session.commit()
                    outcomes.append("won")
                except InvalidTransition:
                    outcomes.append("409")

        thread = threading.Thread(target=rival)
        thread.start()
        thread.join(timeout=0.5)
        assert thread.is_alive()  # blocked on the row lock
        holder.commit()
        thread.join(timeout=10)
    holder.close()
    assert outcomes == ["409"]
    with database.new_session() as session:
        events = session.execute(select(CaseEvent.action).where(CaseEvent.case_id == case_id)
                                 .order_by(CaseEvent.seq)).scalars().all()
    assert events == ["report", "register"]


def test_events_are_immutable_in_the_database(client, db, world):
    case_id = report(client, world["resident"]).get_json()["id"]
    for statement in ("UPDATE case_events SET note = 'forged' WHERE case_id = :id",
                      "DELETE FROM case_events WHERE case_id = :id"):
        with pytest.raises(DBAPIError, match="immutable"), db.begin_nested():
            db.execute(text(statement), {"id": case_id})
