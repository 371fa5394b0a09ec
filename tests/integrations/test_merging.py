"""并单: reports of one problem from several channels are clustered, merged into a master
case by a supervisor, and every reporter hears when the master closes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update
from standardwebhooks import Webhook

from grid_api.cases import commands as c
from grid_api.cases.workflow import ActionContext, act
from grid_api.identity.principals import principal_for
from grid_api.integrations import clients, webhooks
from grid_api.integrations.targets import TargetPolicy
from models.area import Area
from models.case import Case, CaseEvent, CaseStatus
from models.integration import ClientChannel, ClientOperation
from models.notification import Notification
from tasks.webhooks import post
from tests.factories import bearer, login, make_grid_tree, make_unit, make_user

LOOPBACK = TargetPolicy.from_settings(False, ["127.0.0.1/32"])  # the test receivers


@pytest.fixture
def scene(client, db, receiver):
    """One oil spill reported by a resident's app, the 12345 hotline and an Open311 app; a
    spill a kilometre away; a broken street light beside it; an old report of the spot."""
    tree = make_grid_tree(db)
    lon, lat = db.execute(select(func.ST_X(func.ST_PointOnSurface(Area.geom)),
                                 func.ST_Y(func.ST_PointOnSurface(Area.geom)))
                          .where(Area.id == tree["cells"][0].id)).one()
    hotline, hotline_key = clients.create_client(
        db, name="12345", channel=ClientChannel.hotline, rate_limit="100 per minute",
        operations=[ClientOperation.workorders_submit.value])
    _app, app_key = clients.create_client(
        db, name="随手拍", channel=ClientChannel.open311_app, rate_limit="100 per minute",
        operations=[ClientOperation.open311_submit.value])
    db.flush()
    endpoint = webhooks.create_endpoint(db, hotline.id, url=receiver.url, event_types=[
        "case.merged", "workorder.returned", "workorder.closed"], targets=LOOPBACK)
    resident = make_user(db)
    resident_headers = bearer(login(client, resident))

    def app_report(dlon=0.0, dlat=0.0, category="E0104"):
        response = client.post("/api/v1/cases", headers=resident_headers, json={
            "category": category, "description": "路面油污",
            "location": {"type": "Point", "coordinates": [lon + dlon, lat + dlat]}})
        assert response.status_code == 201, response.get_json()
        return response.get_json()["id"]

    master = app_report()
    order = client.post("/api/v1/workorders", headers={"X-API-Key": hotline_key}, json={
        "order_number": "GD-OIL-1", "description": "来电：路面有油", "category": "E0105",
        "location": {"type": "Point", "coordinates": [lon + 0.0001, lat]}}).get_json()
    open311 = client.post("/open311/v2/requests.json", data={
        "api_key": app_key, "service_code": "E0104", "lat": str(lat + 0.0002),
        "long": str(lon), "description": "oil on the road"}).get_json()[0]
    open311_id = db.execute(select(Case.id).where(
        Case.code == open311["service_request_id"])).scalar()
    far = app_report(dlon=0.01)
    light = app_report(dlat=0.0001, category="C0301")
    old = app_report(dlat=-0.0001)
    db.execute(update(Case).where(Case.id == old).values(
        created_at=datetime.now(UTC) - timedelta(days=10)))
    supervisor = make_user(db, roles=("supervisor",), area=tree["district"])
    db.flush()
    return {"tree": tree, "master": master, "order": order["case_id"], "open311": open311_id,
            "far": far, "light": light, "old": old, "supervisor": supervisor,
            "supervisor_headers": bearer(login(client, supervisor)), "resident": resident,
            "endpoint": endpoint}


def test_reports_of_one_problem_are_clustered(client, scene):
    response = client.get("/api/v1/merge-candidates?radius_m=50&days=3",
                          headers=scene["supervisor_headers"])
    assert response.status_code == 200, response.get_json()
    [cluster] = response.get_json()["clusters"]
    assert [case["id"] for case in cluster] == [scene["master"], scene["order"],
                                                scene["open311"]]
    assert [case["channel"] for case in cluster] == ["app", "hotline", "open311_app"]
    wide = client.get("/api/v1/merge-candidates?radius_m=2000&days=30",
                      headers=scene["supervisor_headers"]).get_json()["clusters"]
    assert {case["id"] for case in wide[0]} >= {scene["far"], scene["old"]}
    assert scene["light"] not in {case["id"] for group in wide for case in group}


def test_a_supervisor_merges_and_every_reporter_hears_when_the_master_closes(
        client, db, scene, receiver):
    master, followers = scene["master"], [scene["order"], scene["open311"]]
    headers = scene["supervisor_headers"]
    response = client.post(f"/api/v1/cases/{master}/merge", headers=headers,
                           json={"case_ids": followers})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["followers"] == followers
    for follower in followers:
        case = db.get(Case, follower)
        db.refresh(case)
        assert case.status is CaseStatus.rejected
        assert case.duplicate_of_id == master
        assert client.get(f"/api/v1/cases/{follower}/merged", headers=headers).get_json()[
            "master"] == master
    assert client.get("/api/v1/merge-candidates?radius_m=50",
                      headers=headers).get_json()["clusters"] == []
    # The master goes round the loop and closes.
    unit = make_unit(db)
    staff = make_user(db, roles=("unit_staff",), unit=unit)
    worker = make_user(db, roles=("grid_worker",), grid_cells=(scene["tree"]["cells"][0],))
    settings = client.application.extensions["grid_case_settings"]
    boss = ActionContext(db, principal_for(db, scene["supervisor"].id), settings)
    handler = ActionContext(db, principal_for(db, staff.id), settings)
    act(boss, master, c.Register())
    act(boss, master, c.Dispatch(unit_id=unit.id))
    act(handler, master, c.Accept())
    act(handler, master, c.Resolve(note="已清洗路面"))
    act(ActionContext(db, principal_for(db, worker.id), settings), master, c.Verify())
    act(boss, master, c.Close())
    db.flush()
    events = db.execute(select(CaseEvent.id).where(CaseEvent.case_id.in_([master, *followers]))
                        .order_by(CaseEvent.id)).scalars().all()
    for _ in range(2):  # at-least-once: a second fan-out tells nobody twice
        for event_id in events:
            for delivery_id in webhooks.fan_out(db, event_id):
                assert webhooks.attempt(db, delivery_id, post) == "delivered"
    # Rejected as duplicates, the followers' reporters follow the master: each hears of its
    # closing once.
    told = db.execute(select(Notification).where(Notification.kind == "followed_case_closed")
                      ).scalars().all()
    assert sorted(n.user_id for n in told) == sorted(
        db.get(Case, follower).reporter_id for follower in followers)
    assert {n.case_id for n in told} == {master}
    messages = [Webhook(scene["endpoint"].secret).verify(body, headers)
                for headers, body in receiver.received]
    assert [m["type"] for m in messages] == ["case.merged", "workorder.closed"]
    merged, closed = messages
    assert merged["data"]["master"]["id"] == master
    assert closed["data"]["case"]["id"] == scene["order"]
    assert closed["data"]["workorder"]["order_number"] == "GD-OIL-1"
    assert closed["data"]["workorder"]["result"] == "已清洗路面"
    assert closed["data"]["master"]["status"] == "closed"


def test_only_reports_awaiting_review_follow_and_only_supervisors_merge(client, db, scene):
    headers = scene["supervisor_headers"]
    boss = ActionContext(db, principal_for(db, scene["supervisor"].id),
                         client.application.extensions["grid_case_settings"])
    act(boss, scene["open311"], c.Register())
    db.flush()
    response = client.post(f"/api/v1/cases/{scene['master']}/merge", headers=headers,
                           json={"case_ids": [scene["order"], scene["open311"]]})
    assert response.status_code == 409
    assert db.get(Case, scene["order"]).status is CaseStatus.reported  # nothing half-done
    assert client.post(f"/api/v1/cases/{scene['master']}/merge", headers=headers,
                       json={"case_ids": [scene["master"]]}).status_code == 422
    resident = bearer(login(client, scene["resident"]))
    assert client.post(f"/api/v1/cases/{scene['master']}/merge", headers=resident,
                       json={"case_ids": [scene["order"]]}).status_code == 403


def test_a_master_outside_the_supervisors_area_is_not_theirs_to_merge_into(client, db, scene):
    """A public case elsewhere in the city is visible to all, but not a master for them."""
    boss = ActionContext(db, principal_for(db, scene["supervisor"].id),
                         client.application.extensions["grid_case_settings"])
    act(boss, scene["master"], c.Register())
    outsider = make_user(db, roles=("supervisor",), area=scene["tree"]["other_district"])
    db.flush()
    response = client.post(f"/api/v1/cases/{scene['master']}/merge",
                           headers=bearer(login(client, outsider)),
                           json={"case_ids": [scene["order"]]})
    assert response.status_code == 422
    assert db.get(Case, scene["order"]).status is CaseStatus.reported
