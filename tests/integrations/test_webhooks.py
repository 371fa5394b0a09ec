"""Webhooks: fan-out of case events, Standard Webhooks signatures checked by the
``standardwebhooks`` library's own verifier, a receiver that goes down and comes back,
retries, the dead-letter list, replay, and an endpoint switched off after days of failure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from standardwebhooks import Webhook, WebhookVerificationError

from grid_api.cases import commands as c
from grid_api.cases.workflow import ActionContext, act
from grid_api.identity.principals import principal_for
from grid_api.integrations import clients, webhooks
from grid_api.integrations.open311_submission import file_request, parse_form
from grid_api.integrations.targets import TargetPolicy
from models.area import Area
from models.case import CaseEvent
from models.integration import (
    ClientChannel,
    ClientOperation,
    DeliveryStatus,
    WebhookDelivery,
    WebhookEndpoint,
)
from models.notification import Notification
from models.outbox import OutboxMessage, Topic
from tasks.webhooks import post, sender
from tests.factories import bearer, login, make_grid_tree, make_user
from tests.integrations.conftest import Receiver

LOOPBACK = TargetPolicy.from_settings(False, ["127.0.0.1/32"])  # the test receivers
STRICT = TargetPolicy()  # the default: public addresses only

ALL_TYPES = ["case.created", "case.registered", "case.dispatched", "case.status_changed",
             "case.resolved", "case.closed", "case.reopened", "case.commented"]


@pytest.fixture
def city(db):
    tree = make_grid_tree(db)
    lon, lat = db.execute(select(func.ST_X(func.ST_PointOnSurface(Area.geom)),
                                 func.ST_Y(func.ST_PointOnSurface(Area.geom)))
                          .where(Area.id == tree["cells"][0].id)).one()
    return {**tree, "lon": lon, "lat": lat}


@pytest.fixture
def hotline(db):
    owner = make_user(db, roles=("supervisor",), display_name="对接负责人")
    made, _key = clients.create_client(
        db, name="12345 热线", channel=ClientChannel.hotline, owner_id=owner.id,
        operations=[ClientOperation.open311_submit.value], rate_limit="100 per minute")
    db.flush()
    return made


def _settings(app):
    return app.extensions["grid_case_settings"]


def _file(app, db, city, client, **extra):
    form = parse_form([("service_code", "E0104"), ("lat", str(city["lat"])),
                       ("long", str(city["lon"])), ("description", "路面有大片油污"),
                       *extra.items()])
    _code, link = file_request(db, _identity(client), _settings(app), form, locale="zh-CN")
    db.flush()
    return link.case_id


def _identity(client):
    return clients.ClientIdentity(client_id=client.id, account_id=client.account_id,
                                  name=client.name, channel=client.channel,
                                  operations=frozenset(client.operations),
                                  rate_limit=client.rate_limit)


def _endpoint(db, client, url, types=ALL_TYPES, area_id=None):
    endpoint = webhooks.create_endpoint(db, client.id, url=url, event_types=types,
                                        area_id=area_id, targets=LOOPBACK)
    db.flush()
    return endpoint


def _events(db, case_id):
    return db.execute(select(CaseEvent).where(CaseEvent.case_id == case_id)
                      .order_by(CaseEvent.seq)).scalars().all()


def _fan_out_all(db, case_id):
    return [d for event in _events(db, case_id) for d in webhooks.fan_out(db, event.id)]


def _verified(endpoint, receiver, index=-1):
    headers, body = receiver.received[index]
    return Webhook(endpoint.secret).verify(body, headers)


def test_a_case_event_asks_for_a_fan_out_while_an_endpoint_listens(app, db, city, hotline,
                                                                     receiver):
    quiet = _file(app, db, city, hotline)
    asked = select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.topic == Topic.webhook_fan_out.value)
    assert db.execute(asked).scalar() == 0  # nobody listens: no work
    _endpoint(db, hotline, receiver.url)
    case_id = _file(app, db, city, hotline)
    [message] = db.execute(select(OutboxMessage).where(
        OutboxMessage.topic == Topic.webhook_fan_out.value)).scalars().all()
    assert message.payload == {"event_id": _events(db, case_id)[0].id}
    assert quiet != case_id


def test_a_signed_delivery_verified_by_the_librarys_verifier(app, db, city, hotline, receiver):
    endpoint = _endpoint(db, hotline, receiver.url)
    case_id = _file(app, db, city, hotline)
    [delivery_id] = _fan_out_all(db, case_id)
    assert webhooks.attempt(db, delivery_id, post) == "delivered"
    payload = _verified(endpoint, receiver)
    assert payload["type"] == "case.created"
    assert payload["version"] == 1
    assert payload["data"]["case"]["id"] == case_id
    assert payload["data"]["case"]["filed_by_you"] is True
    assert payload["data"]["event"]["action"] == "report"
    headers, body = receiver.received[-1]
    delivery = db.get(WebhookDelivery, delivery_id)
    assert headers["webhook-id"] == delivery.message_id
    assert delivery.status is DeliveryStatus.delivered
    with pytest.raises(WebhookVerificationError):
        Webhook(webhooks.new_secret()).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(endpoint.secret).verify(body.replace(b"report", b"forged"), headers)


def test_fan_out_is_idempotent_and_skips_what_nobody_asked_for(app, db, city, hotline,
                                                               receiver):
    _endpoint(db, hotline, receiver.url, types=["case.closed"])
    case_id = _file(app, db, city, hotline)
    assert _fan_out_all(db, case_id) == []  # a report is no closing
    everything = _endpoint(db, hotline, receiver.url)
    [first] = _fan_out_all(db, case_id)
    assert _fan_out_all(db, case_id) == []
    assert db.get(WebhookDelivery, first).endpoint_id == everything.id


def test_workflow_steps_reach_the_client_as_their_event_types(app, db, city, hotline,
                                                              receiver):
    endpoint = _endpoint(db, hotline, receiver.url,
                         types=["case.registered", "case.status_changed", "case.commented"])
    case_id = _file(app, db, city, hotline)
    supervisor = make_user(db, roles=("supervisor",), area=city["district"])
    ctx = ActionContext(db, principal_for(db, supervisor.id), _settings(app))
    act(ctx, case_id, c.Register())
    act(ctx, case_id, c.Comment(note="已转城管处理"))
    act(ctx, case_id, c.Comment(note="内部：注意核实", internal=True))
    db.flush()
    delivered = [db.get(WebhookDelivery, d) for d in _fan_out_all(db, case_id)]
    assert [d.event_type for d in delivered] == ["case.registered", "case.commented"]
    for delivery in delivered:
        assert webhooks.attempt(db, delivery.id, post) == "delivered"
    comment = _verified(endpoint, receiver)
    assert comment["data"]["event"]["note"] == "已转城管处理"
    assert "内部" not in str([body for _headers, body in receiver.received])


def test_an_area_subscription_hears_of_every_case_in_its_area_without_notes(
        app, db, city, hotline, receiver):
    department = clients.create_client(
        db, name="区住建局平台", channel=ClientChannel.department,
        operations=[ClientOperation.webhooks_manage.value], rate_limit="100 per minute")[0]
    db.flush()
    mine = _endpoint(db, department, receiver.url, types=["case.created"],
                     area_id=city["district"].id)
    elsewhere = _endpoint(db, department, receiver.url, types=["case.created"],
                          area_id=city["other_district"].id)
    case_id = _file(app, db, city, hotline)
    [delivery_id] = _fan_out_all(db, case_id)
    assert db.get(WebhookDelivery, delivery_id).endpoint_id == mine.id != elsewhere.id
    webhooks.attempt(db, delivery_id, post)
    payload = _verified(mine, receiver)
    assert payload["data"]["case"]["filed_by_you"] is False
    assert payload["data"]["case"]["external_number"] is None


def test_a_receiver_that_goes_down_and_comes_back_gets_the_same_message(
        app, db, city, hotline, receiver):
    endpoint = _endpoint(db, hotline, receiver.url)
    case_id = _file(app, db, city, hotline)
    [delivery_id] = _fan_out_all(db, case_id)
    receiver.stop()
    now = datetime.now(UTC)
    assert webhooks.attempt(db, delivery_id, post, now=now) == "retry"
    delivery = db.get(WebhookDelivery, delivery_id)
    assert delivery.next_attempt_at == now + timedelta(seconds=5)
    assert "ConnectionError" in delivery.last_error
    assert db.get(WebhookEndpoint, endpoint.id).failing_since == now
    receiver.start()
    receiver.status = 503
    assert webhooks.attempt(db, delivery_id, post, now=now + timedelta(seconds=5)) == "retry"
    assert delivery.next_attempt_at == now + timedelta(minutes=5, seconds=5)
    receiver.status = 200
    later = now + timedelta(minutes=6)
    assert webhooks.attempt(db, delivery_id, post, now=later) == "delivered"
    assert webhooks.attempt(db, delivery_id, post, now=later) == "skipped"
    ids = [headers["webhook-id"] for headers, _body in receiver.received]
    assert ids == [delivery.message_id, delivery.message_id]  # one retry, then nothing
    assert db.get(WebhookEndpoint, endpoint.id).failing_since is None
    assert delivery.attempts == 3


def test_retries_end_in_the_dead_letter_list_and_a_replay_delivers(
        client, db, city, hotline, receiver):
    app = client.application
    endpoint = _endpoint(db, hotline, receiver.url)
    case_id = _file(app, db, city, hotline)
    [delivery_id] = _fan_out_all(db, case_id)
    receiver.status = 500
    moment = datetime.now(UTC)
    outcomes = []
    for delay in (timedelta(0), *webhooks.RETRY_DELAYS):
        moment += delay
        outcomes.append(webhooks.attempt(db, delivery_id, post, now=moment))
    assert outcomes == ["retry"] * len(webhooks.RETRY_DELAYS) + ["dead"]
    assert sum(webhooks.RETRY_DELAYS, timedelta()) > timedelta(hours=24)
    db.flush()
    admin = bearer(login(client, make_user(db, roles=("admin",))))
    base = f"/api/v1/clients/{hotline.id}/webhooks/{endpoint.id}"
    dead = client.get(f"{base}/deliveries?status=dead", headers=admin).get_json()["items"]
    assert [d["id"] for d in dead] == [delivery_id]
    assert dead[0]["last_status"] == 500
    receiver.status = 204
    response = client.post(f"{base}/deliveries/{delivery_id}/replay", headers=admin)
    assert response.status_code == 202
    assert response.get_json()["status"] == "pending"
    replayed = db.execute(select(OutboxMessage).where(
        OutboxMessage.topic == Topic.webhook_deliver.value,
        OutboxMessage.payload["delivery_id"].as_integer() == delivery_id)).scalars().all()
    assert len(replayed) == 2  # the first attempt's, and the replay's
    assert webhooks.attempt(db, delivery_id, post) == "delivered"
    ids = {headers["webhook-id"] for headers, _body in receiver.received}
    assert ids == {db.get(WebhookDelivery, delivery_id).message_id}
    assert client.get(f"{base}/deliveries?status=dead", headers=admin).get_json()[
        "items"] == []


def test_an_endpoint_failing_for_days_is_switched_off_and_its_owner_told(
        client, db, city, hotline, receiver):
    app = client.application
    endpoint = _endpoint(db, hotline, receiver.url)
    receiver.stop()
    start = datetime.now(UTC)
    first, second = (_file(app, db, city, hotline) for _ in range(2))
    [old] = _fan_out_all(db, first)
    assert webhooks.attempt(db, old, post, now=start) == "retry"
    [new] = _fan_out_all(db, second)
    assert webhooks.attempt(db, new, post, now=start + timedelta(days=5)) == "retry"
    assert endpoint.disabled_at == start + timedelta(days=5)
    assert endpoint.disabled_reason == "failing"
    [told] = db.execute(select(Notification).where(Notification.kind == "webhook_disabled")
                        ).scalars().all()
    assert told.user_id == hotline.owner_id
    assert told.params["url"] == receiver.url
    assert webhooks.attempt(db, old, post, now=start + timedelta(days=5)) == "skipped"
    receiver.start()
    db.flush()
    admin = bearer(login(client, make_user(db, roles=("admin",))))
    response = client.patch(f"/api/v1/clients/{hotline.id}/webhooks/{endpoint.id}",
                            json={"enabled": True}, headers=admin)
    assert response.status_code == 200
    assert response.get_json()["disabled_at"] is None
    db.expire_all()
    assert webhooks.queue_due(db) == 2
    for delivery_id in (old, new):
        assert webhooks.attempt(db, delivery_id, post) == "delivered"


def test_due_retries_are_queued_once_per_lease(app, db, city, hotline, receiver):
    _endpoint(db, hotline, receiver.url)
    [delivery_id] = _fan_out_all(db, _file(app, db, city, hotline))
    now = datetime.now(UTC)
    receiver.stop()
    webhooks.attempt(db, delivery_id, post, now=now)
    assert webhooks.queue_due(db, now=now) == 0
    assert webhooks.queue_due(db, now=now + timedelta(seconds=5)) == 1
    assert webhooks.queue_due(db, now=now + timedelta(seconds=6)) == 0


def test_admins_manage_endpoints_and_see_the_secret_once(client, db, hotline, receiver):
    admin = bearer(login(client, make_user(db, roles=("admin",))))
    base = f"/api/v1/clients/{hotline.id}/webhooks"
    response = client.post(base, json={"url": receiver.url, "event_types": ["case.closed"]},
                           headers=admin)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["secret"].startswith("whsec_")
    Webhook(created["secret"])  # the library accepts it
    listed = client.get(base, headers=admin).get_json()["items"]
    assert [e["id"] for e in listed] == [created["id"]]
    assert "secret" not in listed[0]
    for bad in ({"url": "ftp://x", "event_types": ["case.closed"]},
                {"url": receiver.url, "event_types": ["case.exploded"]},
                {"url": receiver.url, "event_types": []},
                {"url": receiver.url, "event_types": ["case.closed"], "area_id": 2**60}):
        assert client.post(base, json=bad, headers=admin).status_code == 422
    assert client.delete(f"{base}/{created['id']}", headers=admin).status_code == 204
    assert client.get(f"{base}/{created['id']}", headers=admin).status_code == 404


def test_a_client_manages_its_own_endpoints_with_its_key(client, db, city, receiver):
    _made, key = clients.create_client(
        db, name="部门平台", channel=ClientChannel.department,
        operations=[ClientOperation.webhooks_manage.value], rate_limit="100 per minute")
    _other, other_key = clients.create_client(
        db, name="别的系统", channel=ClientChannel.department,
        operations=[ClientOperation.webhooks_manage.value], rate_limit="100 per minute")
    _filer, filer_key = clients.create_client(
        db, name="只能报案", channel=ClientChannel.open311_app,
        operations=[ClientOperation.open311_submit.value], rate_limit="100 per minute")
    db.flush()
    mine, theirs = {"X-API-Key": key}, {"X-API-Key": other_key}
    base = "/api/v1/integrations/webhooks"
    response = client.post(base, json={"url": receiver.url, "event_types": ["case.closed"]},
                           headers=mine)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["secret"].startswith("whsec_")
    assert [e["id"] for e in client.get(base, headers=mine).get_json()["items"]] == [
        created["id"]]
    assert client.get(base, headers=theirs).get_json()["items"] == []
    assert client.get(f"{base}/{created['id']}/deliveries", headers=theirs).status_code == 404
    assert client.get(base, headers={"X-API-Key": filer_key}).status_code == 403
    assert client.get(base).status_code == 403
    area = client.post(base, headers=mine, json={"url": receiver.url,
                                                  "event_types": ["case.closed"],
                                                  "area_id": city["district"].id})
    assert area.status_code == 422  # an area is an admin's to grant
    assert client.delete(f"{base}/{created['id']}", headers=theirs).status_code == 404
    assert client.delete(f"{base}/{created['id']}", headers=mine).status_code == 204


def test_a_name_that_resolves_to_a_forbidden_address_is_not_delivered(app, db, city,
                                                                        hotline, receiver):
    # Subscribed while the rule allowed it; the rule at sending time says no.
    by_name = receiver.url.replace("127.0.0.1", "localhost")
    endpoint = _endpoint(db, hotline, by_name, types=["case.created"])
    [delivery_id] = _fan_out_all(db, _file(app, db, city, hotline))
    delivery = db.get(WebhookDelivery, delivery_id)
    assert webhooks.attempt(db, delivery.id, sender(STRICT)) == "dead"
    assert receiver.received == []
    assert delivery.status is DeliveryStatus.dead
    assert delivery.next_attempt_at is None
    assert delivery.attempts == 1
    assert delivery.last_error.startswith("refused: ")
    assert "loopback" in delivery.last_error
    assert endpoint.failing_since is not None  # it counts towards switching the endpoint off
    # Replayed once the deployment allows the address, it goes.
    webhooks.replay(db, hotline.id, endpoint.id, delivery.id)
    assert webhooks.attempt(db, delivery.id, sender(LOOPBACK)) == "delivered"
    assert len(receiver.received) == 1


def test_redirects_are_not_followed(app, db, city, hotline, receiver):
    elsewhere = Receiver().start()
    try:
        receiver.status = 307
        receiver.headers = [("Location", elsewhere.url)]
        _endpoint(db, hotline, receiver.url, types=["case.created"])
        [delivery_id] = _fan_out_all(db, _file(app, db, city, hotline))
        delivery = db.get(WebhookDelivery, delivery_id)
        assert webhooks.attempt(db, delivery.id, post) == "retry"
        assert len(receiver.received) == 1
        assert elsewhere.received == []
        assert delivery.last_status == 307
        assert "redirects are not followed" in delivery.last_error
        receiver.headers = [("Location", "http://169.254.169.254/latest/meta-data/")]
        assert webhooks.attempt(db, delivery.id, post) == "retry"
        assert len(receiver.received) == 2
    finally:
        elsewhere.stop()
