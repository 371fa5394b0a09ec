"""自行处置 over HTTP: the category flag, a grid worker's fix on the spot reported with its
before and after photos and closed by the system, and every refusal in both languages."""

import pytest
from sqlalchemy import select

from grid_api.dispatch import automatic
from models.case import Case
from models.case_counter import CaseCounter
from models.outbox import OutboxMessage, Topic
from tests.api.test_cases import POINT, act, report

NEAR = (POINT[0] + 0.0003, POINT[1])  # about 30 m from the case
FAR = (POINT[0] + 0.01, POINT[1])  # about 1 km


@pytest.fixture
def allowed(client, world):
    """E0104 (道路不洁) allows fixes on the spot, set by an admin over the API."""
    response = client.patch("/api/v1/categories/E0104", json={"allows_on_site_fix": True},
                            headers=world["admin"].headers)
    assert response.status_code == 200
    assert response.get_json()["allows_on_site_fix"] is True


def on_site(client, who, **overrides):
    return report(client, who, handled_on_site=True, **overrides)


def upload(client, who, case_id, file, kind=None, *, lang="zh-CN"):
    data = {"file": (file, "photo.jpg")}
    if kind is not None:
        data["kind"] = kind
    return client.post(f"/api/v1/cases/{case_id}/attachments", data=data,
                       headers={**who.headers, "Accept-Language": lang})


def detail_code(response):
    return response.get_json()["type"].rsplit(":", 1)[-1]


def dispatch_messages(db, case_id):
    return db.execute(select(OutboxMessage).where(
        OutboxMessage.topic == Topic.auto_dispatch.value,
        OutboxMessage.payload["case_id"].as_integer() == case_id)).scalars().all()


def test_an_admin_sets_and_clears_the_flag_and_everyone_sees_it(client, world):
    listed = client.get("/api/v1/categories").get_json()["items"]
    assert {c["code"]: c["allows_on_site_fix"] for c in listed}["E0104"] is False
    for value in (True, False):
        changed = client.patch("/api/v1/categories/E0104", json={"allows_on_site_fix": value},
                               headers=world["admin"].headers)
        assert changed.get_json()["allows_on_site_fix"] is value
        listed = client.get("/api/v1/categories").get_json()["items"]
        assert {c["code"]: c["allows_on_site_fix"] for c in listed}["E0104"] is value
    refused = client.patch("/api/v1/categories/E0104", json={"allows_on_site_fix": True},
                           headers=world["supervisor"].headers)
    assert refused.status_code == 403


def test_a_fix_on_the_spot_closes_when_both_photos_are_in(client, world, allowed, photo, db):
    worker = world["worker"]
    filed = on_site(client, worker)
    assert filed.status_code == 201, filed.get_json()
    case = filed.get_json()
    assert (case["status"], case["handled_on_site"], case["source"]) == (
        "reported", True, "grid_worker")
    assert case["actions"] == ["comment"]  # nothing else for the worker: the photos
    before = upload(client, worker, case["id"], photo(gps=NEAR, colour="red"), "before")
    assert before.status_code == 201, before.get_json()
    assert (before.get_json()["kind"], before.get_json()["purpose"],
            before.get_json()["case_status"]) == ("before", "report", "reported")
    after = upload(client, worker, case["id"], photo(gps=NEAR, colour="blue",
                                                     taken="2026:11:25 10:20:00"), "after")
    assert after.status_code == 201, after.get_json()
    assert (after.get_json()["kind"], after.get_json()["purpose"],
            after.get_json()["case_status"]) == ("after", "resolution", "closed")

    closed = client.get(f"/api/v1/cases/{case['id']}", headers=worker.headers).get_json()
    assert (closed["status"], closed["unit"], closed["outcome"]["kind"]) == (
        "closed", None, "fixed")
    assert closed["outcome"]["decided_by"]["role"] == "system"
    timeline = client.get(f"/api/v1/cases/{case['id']}/events",
                          headers=world["supervisor"].headers).get_json()["items"]
    assert [(e["action"], e["to_status"], e["actor_id"]) for e in timeline] == [
        ("report", "reported", worker.user.id), ("register", "registered", None),
        ("handle_on_site", "resolved", None), ("verify", "verified", None),
        ("close", "closed", None)]
    assert timeline[0]["data"]["handled_on_site"] is True
    assert timeline[2]["data"] == {"before_photo_id": before.get_json()["id"],
                                   "after_photo_id": after.get_json()["id"]}
    # Never dispatched: the dispatch job was not asked, and would leave it alone.
    assert dispatch_messages(db, case["id"]) == []
    assert automatic.auto_dispatch(db, client.application.extensions["grid_case_settings"],
                                   case["id"]) == "skipped"
    assert db.get(Case, case["id"]).unit_id is None
    counters = db.get(CaseCounter, case["id"])
    assert (counters.self_handled, counters.source.value, counters.dispatched,
            counters.handled, counters.checks, counters.closed, counters.closed_on_time) == (
        True, "grid_worker", False, False, 0, True, True)


def test_resent_photos_change_nothing_even_after_the_case_closed(client, world, allowed, photo):
    worker = world["worker"]
    case_id = on_site(client, worker).get_json()["id"]
    first = upload(client, worker, case_id, photo(gps=NEAR, colour="red"), "before")
    again = upload(client, worker, case_id, photo(gps=NEAR, colour="red"), "before")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["id"] == again.get_json()["id"]
    closing = upload(client, worker, case_id, photo(gps=NEAR, colour="blue"), "after")
    assert closing.get_json()["case_status"] == "closed"
    resent = upload(client, worker, case_id, photo(gps=NEAR, colour="blue"), "after")
    assert (resent.status_code, resent.get_json()["id"], resent.get_json()["case_status"]) == (
        200, closing.get_json()["id"], "closed")
    events = client.get(f"/api/v1/cases/{case_id}/events",
                        headers=worker.headers).get_json()["items"]
    assert [e["action"] for e in events].count("close") == 1
    photos = client.get(f"/api/v1/cases/{case_id}/attachments",
                        headers=worker.headers).get_json()["items"]
    assert sorted(p["kind"] for p in photos) == ["after", "before"]


def test_two_photos_of_one_kind_do_not_close_it(client, world, allowed, photo):
    worker = world["worker"]
    case_id = on_site(client, worker).get_json()["id"]
    for colour in ("red", "green"):  # a retake of the before photo
        sent = upload(client, worker, case_id, photo(gps=NEAR, colour=colour), "before")
        assert (sent.status_code, sent.get_json()["case_status"]) == (201, "reported")


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_a_category_without_on_site_fixes_is_422(client, world, lang):
    response = client.post("/api/v1/cases", json={
        "category": "E0104", "description": "已清扫", "handled_on_site": True,
        "location": {"type": "Point", "coordinates": POINT}},
        headers={**world["worker"].headers, "Accept-Language": lang})
    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/problem+json"
    assert detail_code(response) == "on_site_fix_not_allowed"
    assert response.get_json()["detail"] == {
        "zh-CN": "类别 E0104 不允许自行处置",
        "en": "Category E0104 allows no fixes on the spot"}[lang]


@pytest.mark.parametrize("who", ["resident", "supervisor", "unit", "admin"])
def test_only_grid_workers_report_fixes_on_the_spot(client, world, allowed, who):
    response = on_site(client, world[who])
    assert response.status_code == 403
    assert detail_code(response) == "on_site_fix_is_for_grid_workers"


def test_outside_own_cells_is_422_and_nothing_is_filed(client, world, allowed, db):
    count = db.execute(select(Case.id)).all()
    response = client.post("/api/v1/cases", json={
        "category": "E0104", "description": "已清扫", "handled_on_site": True,
        "location": {"type": "Point", "coordinates": POINT}},
        headers={**world["far_worker"].headers, "Accept-Language": "en"})
    assert response.status_code == 422
    assert detail_code(response) == "on_site_fix_outside_own_cells"
    assert "location" in response.get_json()["errors"]
    assert db.execute(select(Case.id)).all() == count
    usual = report(client, world["far_worker"])  # reported the usual way it is filed
    assert usual.status_code == 201


def test_another_channel_is_422(client, world, allowed):
    response = on_site(client, world["worker"], source="hotline")
    assert (response.status_code, detail_code(response)) == (422, "on_site_fix_source")


def test_the_awaiting_reports_photos_must_say_their_kind(client, world, allowed, photo):
    case_id = on_site(client, world["worker"]).get_json()["id"]
    response = upload(client, world["worker"], case_id, photo(gps=NEAR), lang="en")
    assert response.status_code == 422
    assert detail_code(response) == "on_site_photo_kind_missing"
    assert "kind" in response.get_json()["errors"]
    bad = upload(client, world["worker"], case_id, photo(gps=NEAR), "during")
    assert bad.status_code == 422
    assert "kind" in bad.get_json()["errors"]


@pytest.mark.parametrize("case", [
    (None, "on_site_photo_without_position"), (FAR, "on_site_photo_too_far")])
def test_photos_not_taken_at_the_place_are_refused(client, world, allowed, photo, case):
    gps, code = case
    case_id = on_site(client, world["worker"]).get_json()["id"]
    response = upload(client, world["worker"], case_id, photo(gps=gps), "before")
    assert (response.status_code, detail_code(response)) == (422, code)
    photos = client.get(f"/api/v1/cases/{case_id}/attachments",
                        headers=world["worker"].headers).get_json()["items"]
    assert photos == []


def test_a_far_photo_says_how_far_in_both_languages(client, world, allowed, photo):
    case_id = on_site(client, world["worker"]).get_json()["id"]
    zh = upload(client, world["worker"], case_id, photo(gps=FAR), "after").get_json()
    en = upload(client, world["worker"], case_id, photo(gps=FAR), "after",
                lang="en").get_json()
    assert zh["detail"].startswith("照片拍摄位置距案件 9")
    assert "超过 200 米" in zh["detail"]
    assert en["detail"].endswith("m from the case, more than 200 m")


def test_the_same_photo_cannot_be_before_and_after(client, world, allowed, photo):
    case_id = on_site(client, world["worker"]).get_json()["id"]
    upload(client, world["worker"], case_id, photo(gps=NEAR), "before")
    response = upload(client, world["worker"], case_id, photo(gps=NEAR), "after")
    assert (response.status_code, detail_code(response)) == (422, "on_site_photos_identical")


def test_an_after_photo_taken_before_the_before_photo_is_refused(client, world, allowed, photo):
    case_id = on_site(client, world["worker"]).get_json()["id"]
    upload(client, world["worker"], case_id, photo(gps=NEAR, taken="2026:11:25 10:00:00"),
           "before")
    response = upload(client, world["worker"], case_id,
                      photo(gps=NEAR, colour="blue", taken="2026:11:25 09:00:00"), "after")
    assert (response.status_code, detail_code(response)) == (422, "on_site_photos_out_of_order")


def test_kinds_are_for_the_reporter_of_a_fix_on_the_spot(client, world, allowed, photo):
    ordinary = report(client, world["worker"]).get_json()["id"]
    response = upload(client, world["worker"], ordinary, photo(gps=NEAR), "before")
    assert (response.status_code, detail_code(response)) == (422, "not_an_on_site_fix")
    case_id = on_site(client, world["worker"]).get_json()["id"]
    someone = upload(client, world["supervisor"], case_id, photo(gps=NEAR), "after")
    assert (someone.status_code, detail_code(someone)) == (
        403, "on_site_photos_are_the_reporters")


def test_a_supervisor_may_still_register_it_and_then_it_is_dispatched(client, world, allowed,
                                                                       photo, db):
    """The photos never came: the report is handled the usual way."""
    case_id = on_site(client, world["worker"]).get_json()["id"]
    assert act(client, world["supervisor"], case_id, "register").status_code == 200
    assert len(dispatch_messages(db, case_id)) == 1
    late = upload(client, world["worker"], case_id, photo(gps=NEAR), "before")
    assert late.get_json()["case_status"] == "registered"


def test_indicators_count_fixes_on_the_spot(client, world, allowed, photo):
    for colour in ("red", "green"):
        case_id = on_site(client, world["worker"]).get_json()["id"]
        upload(client, world["worker"], case_id, photo(gps=NEAR, colour=colour), "before")
        upload(client, world["worker"], case_id, photo(gps=NEAR, colour=f"dark{colour}"),
               "after")
    waiting = on_site(client, world["worker"]).get_json()["id"]
    upload(client, world["worker"], waiting, photo(gps=NEAR, colour="white"), "before")
    report(client, world["worker"])
    report(client, world["resident"])
    body = client.get("/api/v1/stats/indicators?from=2026-01-01&to=2026-12-31",
                      headers=world["supervisor"].headers).get_json()["total"]
    assert (body["counts"]["self_handled"], body["counts"]["worker_reported"],
            body["counts"]["reported"]) == (2, 4, 5)
    assert body["rates"]["self_handling_rate"] == {"value": 50.0, "numerator": 2,
                                                   "denominator": 4}


def test_a_fix_on_the_spot_queued_offline_closes_when_synced(client, world, allowed, photo):
    """The before photo reaches the server ahead of its report, the after photo later."""
    worker = world["worker"]

    def send(op_id, file, kind):
        return client.post(f"/api/v1/sync/photos/{op_id}", headers=worker.headers,
                           data={"file": (file, "photo.jpg"), "kind": kind})

    assert send("fix-1", photo(gps=NEAR, colour="red"), "before").status_code == 202
    operation = {"op_id": "fix-1", "type": "report", "body": {
        "category": "E0104", "description": "已清理", "handled_on_site": True,
        "location": {"type": "Point", "coordinates": POINT}}}
    for _ in range(2):  # the connection dropped: the batch is sent again
        answer = client.post("/api/v1/sync", json={"operations": [operation]},
                             headers=worker.headers).get_json()["results"][0]
        assert (answer["status"], answer["result"]["status"],
                answer["result"]["handled_on_site"]) == (201, "reported", True)
    case_id = answer["result"]["id"]
    sent = send("fix-1", photo(gps=NEAR, colour="blue"), "after")
    assert sent.status_code == 201, sent.get_json()
    case = client.get(f"/api/v1/cases/{case_id}", headers=worker.headers).get_json()
    assert case["status"] == "closed"
    photos = client.get(f"/api/v1/cases/{case_id}/attachments",
                        headers=worker.headers).get_json()["items"]
    assert sorted(p["kind"] for p in photos) == ["after", "before"]
