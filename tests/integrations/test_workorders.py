"""12345 hotline work orders: filed once per order number, and the hotline's loop back
(签收, 回复, 办结, 退单) as signed webhooks."""

from __future__ import annotations

import dataclasses
import threading

import pytest
from sqlalchemy import func, select
from standardwebhooks import Webhook

from grid_api.cases import commands as c
from grid_api.cases.workflow import ActionContext, act
from grid_api.identity.principals import principal_for
from grid_api.integrations import clients, webhooks
from grid_api.integrations.targets import TargetPolicy
from models.area import Area
from models.case import Case, CaseEvent, CaseStatus
from models.integration import ClientCase, ClientChannel, ClientOperation
from models.unit import Unit
from tasks.webhooks import post
from tests.factories import make_grid_tree, make_unit, make_user

LOOPBACK = TargetPolicy.from_settings(False, ["127.0.0.1/32"])  # the test receivers

LOOP = ["workorder.accepted", "workorder.replied", "workorder.closed", "workorder.returned"]


@pytest.fixture
def city(db):
    tree = make_grid_tree(db)
    lon, lat = db.execute(select(func.ST_X(func.ST_PointOnSurface(Area.geom)),
                                 func.ST_Y(func.ST_PointOnSurface(Area.geom)))
                          .where(Area.id == tree["cells"][0].id)).one()
    return {**tree, "lon": lon, "lat": lat}


@pytest.fixture
def hotline(db):
    made, key = clients.create_client(
        db, name="12345 市民热线", channel=ClientChannel.hotline,
        operations=[ClientOperation.workorders_submit.value], rate_limit="100 per minute")
    db.flush()
    return made, {"X-API-Key": key}


def order(city, number="GD20261202000123", **changes):
    return {"order_number": number, "description": "来电反映：小区门口道路油污严重",
            "location": {"type": "Point", "coordinates": [city["lon"], city["lat"]]},
            "address": "文三路 100 号", "category": "E0104",
            "caller": {"name": "王先生", "phone": "13800138000"},
            "deadline": "2026-12-05T17:30:00+08:00",
            "received_at": "2026-12-02T09:15:00+08:00"} | changes


def test_an_order_is_filed_once_whatever_how_often_it_is_sent(client, db, city, hotline):
    made, key = hotline
    first = client.post("/api/v1/workorders", json=order(city), headers=key)
    assert first.status_code == 201, first.get_json()
    body = first.get_json()
    assert body["created"] is True
    assert body["order_number"] == "GD20261202000123"
    again = client.post("/api/v1/workorders", json=order(city, description="重复推送"),
                        headers=key)
    assert again.status_code == 200
    assert again.get_json() | {"created": True} == body
    case = db.get(Case, body["case_id"])
    assert case.reporter_id == made.account_id
    assert case.description == "来电反映：小区门口道路油污严重"
    link = db.get(ClientCase, case.id)
    assert link.external_number == "GD20261202000123"
    assert link.details["caller"] == {"name": "王先生", "phone": "13800138000"}
    assert link.details["deadline"] == "2026-12-05T09:30:00+00:00"  # kept in UTC
    count = select(func.count()).select_from(ClientCase).where(ClientCase.client_id == made.id)
    assert db.execute(count).scalar() == 1


def test_the_same_number_from_another_client_is_another_order(client, db, city, hotline):
    _made, key = hotline
    _other, other_key = clients.create_client(
        db, name="区热线", channel=ClientChannel.hotline,
        operations=[ClientOperation.workorders_submit.value], rate_limit="100 per minute")
    db.flush()
    first = client.post("/api/v1/workorders", json=order(city), headers=key).get_json()
    second = client.post("/api/v1/workorders", json=order(city),
                         headers={"X-API-Key": other_key}).get_json()
    assert first["case_id"] != second["case_id"]


def test_keys_and_bad_orders_are_refused(client, db, city, hotline, monkeypatch):
    app = client.application
    _made, key = hotline
    _open311, open311_key = clients.create_client(
        db, name="小程序", channel=ClientChannel.mini_program,
        operations=[ClientOperation.open311_submit.value], rate_limit="100 per minute")
    db.flush()
    assert client.post("/api/v1/workorders", json=order(city)).status_code == 403
    assert client.post("/api/v1/workorders", json=order(city),
                       headers={"X-API-Key": open311_key}).status_code == 403
    for bad in (order(city, category="X9999"), order(city, order_number=""),
                order(city, location={"type": "Point", "coordinates": [0, 0]}),
                {k: v for k, v in order(city).items() if k != "category"}):
        response = client.post("/api/v1/workorders", json=bad, headers=key)
        assert response.status_code == 422, response.get_json()
        assert response.mimetype == "application/problem+json"
    settings = dataclasses.replace(app.config["GRID_SETTINGS"],
                                   workorder_default_category="E0604")
    monkeypatch.setitem(app.config, "GRID_SETTINGS", settings)
    uncategorised = {k: v for k, v in order(city, order_number="GD2").items()
                     if k != "category"}
    response = client.post("/api/v1/workorders", json=uncategorised, headers=key)
    assert response.status_code == 201


def test_concurrent_sends_of_one_order_file_one_case(app, committed):
    with committed.new_session() as session:
        tree = make_grid_tree(session)
        lon, lat = session.execute(select(func.ST_X(func.ST_PointOnSurface(Area.geom)),
                                          func.ST_Y(func.ST_PointOnSurface(Area.geom)))
                                   .where(Area.id == tree["cells"][0].id)).one()
        made, key = clients.create_client(
            session, name="12345", channel=ClientChannel.hotline,
            operations=[ClientOperation.workorders_submit.value], rate_limit="100 per second")
        session.commit()
    body = order({"lon": lon, "lat": lat}, number="GD-RACE")
    answers, start = [], threading.Barrier(4)

    def send():
        start.wait()
        answers.append(app.test_client().post("/api/v1/workorders", json=body,
                                              headers={"X-API-Key": key}))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(a.status_code for a in answers) == [200, 200, 200, 201]
    assert len({a.get_json()["case_id"] for a in answers}) == 1
    with committed.new_session() as session:
        assert session.execute(select(func.count()).select_from(ClientCase).where(
            ClientCase.client_id == made.id)).scalar() == 1


def _deliver_all(db, case_id):
    events = db.execute(select(CaseEvent.id).where(CaseEvent.case_id == case_id)
                        .order_by(CaseEvent.seq)).scalars().all()
    for event_id in events:
        for delivery_id in webhooks.fan_out(db, event_id):
            assert webhooks.attempt(db, delivery_id, post) == "delivered"


def test_the_hotline_hears_accepted_replied_and_closed(client, db, city, hotline, receiver):
    app = client.application
    made, key = hotline
    endpoint = webhooks.create_endpoint(db, made.id, url=receiver.url, event_types=LOOP,
                                        targets=LOOPBACK)
    case_id = client.post("/api/v1/workorders", json=order(city), headers=key).get_json()[
        "case_id"]
    unit = make_unit(db)
    supervisor = make_user(db, roles=("supervisor",), area=city["district"])
    staff = make_user(db, roles=("unit_staff",), unit=unit)
    settings = app.extensions["grid_case_settings"]
    boss = ActionContext(db, principal_for(db, supervisor.id), settings)
    handler = ActionContext(db, principal_for(db, staff.id), settings)
    act(boss, case_id, c.Register())
    act(boss, case_id, c.Comment(note="已安排环卫处理"))
    act(boss, case_id, c.Dispatch(unit_id=unit.id))
    act(handler, case_id, c.Accept())
    act(handler, case_id, c.Resolve(note="已冲洗路面，油污清除"))
    worker = make_user(db, roles=("grid_worker",), grid_cells=(city["cells"][0],))
    act(ActionContext(db, principal_for(db, worker.id), settings), case_id, c.Verify())
    act(boss, case_id, c.Close())
    db.flush()
    _deliver_all(db, case_id)
    messages = [Webhook(endpoint.secret).verify(body, headers)
                for headers, body in receiver.received]
    assert [m["type"] for m in messages] == ["workorder.accepted", "workorder.replied",
                                             "workorder.closed"]
    accepted, replied, closed = (m["data"]["workorder"] for m in messages)
    assert accepted["order_number"] == "GD20261202000123"
    assert replied["reply"] == "已安排环卫处理"
    assert closed["result"] == "已冲洗路面，油污清除"
    assert db.get(Unit, unit.id) is not None


def test_the_hotline_hears_a_returned_order_with_the_reason(client, db, city, hotline,
                                                             receiver):
    app = client.application
    made, key = hotline
    endpoint = webhooks.create_endpoint(db, made.id, url=receiver.url, event_types=LOOP,
                                        targets=LOOPBACK)
    case_id = client.post("/api/v1/workorders", json=order(city), headers=key).get_json()[
        "case_id"]
    supervisor = make_user(db, roles=("supervisor",), area=city["district"])
    ctx = ActionContext(db, principal_for(db, supervisor.id), app.extensions[
        "grid_case_settings"])
    act(ctx, case_id, c.Reject(reason="out_of_scope", note="属物业管理范围，请联系物业",
                               responsible_body="小区物业"))
    db.flush()
    assert db.get(Case, case_id).status is CaseStatus.rejected
    _deliver_all(db, case_id)
    [(headers, body)] = receiver.received
    message = Webhook(endpoint.secret).verify(body, headers)
    assert message["type"] == "workorder.returned"
    assert message["data"]["workorder"] == {
        "order_number": "GD20261202000123", "case_code": message["data"]["case"]["code"],
        "at": message["data"]["event"]["at"], "reason": "out_of_scope",
        "note": "属物业管理范围，请联系物业", "responsible_body": "小区物业"}
