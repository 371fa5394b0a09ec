"""Pushes through the real firebase-admin SDK against a local fake FCM endpoint."""

import dataclasses
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from devenv.fake_fcm import FakeFcm
from grid_api.notifications.inbox import notify
from models.device import Device, PushDelivery
from models.notification import Notification
from models.outbox import OutboxMessage
from tasks import push
from tasks.retry import RetryLater
from tests.factories import make_user


@pytest.fixture
def fcm(app, monkeypatch):
    with FakeFcm(busy_times=1) as fake:
        settings = dataclasses.replace(app.config["GRID_SETTINGS"], push_backend="fcm",
                                       fcm_project_id="grid-test", fcm_endpoint=fake.url)
        monkeypatch.setitem(app.config, "GRID_SETTINGS", settings)
        push.use_gateway(push.FcmGateway(settings))
        yield fake
        push.use_gateway(None)


def _device(db, user, token, locale="zh-CN", kind="token"):
    device = Device(user_id=user.id, token=token, platform="android", locale=locale, kind=kind)
    db.add(device)
    db.flush()
    return device


def _notify(db, user):
    [message_id] = notify(db, [user.id], kind="case_closed", code="20261125000001")
    return db.get(Notification, message_id)


def test_each_device_gets_one_localized_push(db, fcm):
    user = make_user(db)
    _device(db, user, "phone-zh-token-1")
    _device(db, user, "tablet-en-fid-1", locale="en", kind="fid")
    message = _notify(db, user)
    push.deliver_notifications(db, notification_ids=[message.id])
    sent = {entry["message"].get("token") or entry["message"]["fid"]: entry["message"]
            for entry in fcm.received}
    assert sent["phone-zh-token-1"]["notification"]["title"] == "案件已结案，请评价"
    assert sent["tablet-en-fid-1"]["notification"]["title"] == "Case closed: please rate it"
    data = sent["phone-zh-token-1"]["data"]
    assert data["notification_id"] == str(message.id)
    assert sent["phone-zh-token-1"]["android"]["collapse_key"].startswith("case-")
    assert fcm.received[0]["path"] == "/v1/projects/grid-test/messages:send"
    push.deliver_notifications(db, notification_ids=[message.id])  # a redelivery …
    assert len(fcm.received) == 2  # … pushes nothing twice
    statuses = db.execute(select(PushDelivery.status)).scalars().all()
    assert statuses == ["sent", "sent"]


def test_dead_tokens_are_switched_off(db, fcm):
    user = make_user(db)
    dead = _device(db, user, "dead-token-123456")
    elsewhere = _device(db, user, "other-sender-token-1")
    alive = _device(db, user, "alive-token-123456")
    push.deliver_notifications(db, notification_ids=[_notify(db, user).id])
    db.flush()
    db.refresh(dead)
    db.refresh(elsewhere)
    assert (dead.active, elsewhere.active, alive.active) == (False, False, True)
    push.deliver_notifications(db, notification_ids=[_notify(db, user).id])
    assert fcm.tokens_sent().count("dead-token-123456") == 1  # never tried again


def test_busy_fcm_is_retried_later_without_pushing_twice(db, fcm):
    user = make_user(db)
    _device(db, user, "busy-token-1234567")
    _device(db, user, "fine-token-1234567")
    message = _notify(db, user)
    with pytest.raises(RetryLater, match="busy"):
        push.deliver_notifications(db, notification_ids=[message.id])
    push.deliver_notifications(db, notification_ids=[message.id])  # the retry
    assert fcm.tokens_sent().count("fine-token-1234567") == 1
    assert fcm.tokens_sent().count("busy-token-1234567") == 2
    assert set(db.execute(select(PushDelivery.status)).scalars()) == {"sent"}


def test_every_notification_goes_through_the_outbox(db, handoffs):
    user = make_user(db)
    message = _notify(db, user)
    db.commit()
    pushes = db.execute(select(OutboxMessage).where(
        OutboxMessage.topic == "push.notification")).scalars().all()
    assert [p.payload for p in pushes] == [{"notification_ids": [message.id]}]
    assert (pushes[0].id, "default") in handoffs


def test_log_backend_needs_no_credentials(db, app):
    push.use_gateway(None)
    user = make_user(db)
    _device(db, user, "demo-phone-token")
    message = _notify(db, user)
    push.deliver_notifications(db, notification_ids=[message.id])
    assert db.execute(select(PushDelivery.message_id)).scalar() == f"log:{message.id}"


def test_real_fcm_without_a_file_uses_application_default_credentials():
    settings = SimpleNamespace(fcm_credentials_file="", fcm_endpoint="")
    assert push.fcm_credential(settings) is None  # not a made-up token sent to Google
    assert isinstance(push.fcm_credential(SimpleNamespace(
        fcm_credentials_file="", fcm_endpoint="http://127.0.0.1:9")), push._StaticToken)
