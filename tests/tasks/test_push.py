"""Pushes through the real clients (firebase-admin, the vendors' REST APIs, the JPush SDK)
against local fakes of their endpoints: each phone once, through its best live channel."""

import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from devenv.fake_fcm import FakeFcm
from devenv.push_fakes import env, go_live, start
from grid_api.infra import outbox
from grid_api.notifications.inbox import notify
from grid_api.push import quota
from grid_api.push.channels import for_settings
from grid_api.push.settings import ChannelConfig
from grid_api.push.vendors import fcm as fcm_channel
from models.device import Device, PushDelivery
from models.notification import Notification
from models.outbox import OutboxMessage, Topic
from tasks import handlers, push, relay
from tasks.retry import RetryLater
from tests.factories import make_user


@pytest.fixture(autouse=True)
def push_state(app):
    """Quota stops and metrics live in Redis: none from one test leaks into another."""
    redis = app.extensions["grid_redis"]

    def wipe():
        for key in redis.scan_iter("push:*"):
            redis.delete(key)

    wipe()
    yield redis
    wipe()


@pytest.fixture
def fcm(app, monkeypatch):
    with FakeFcm(busy_times=1) as fake:
        go_live(app, monkeypatch, ("fcm",), env("fcm", fake.url))
        yield fake


def _device(db, user, token, *, locale="zh-CN", kind="token", provider="fcm", phone=None):
    device = Device(user_id=user.id, token=token, platform="android", locale=locale, kind=kind,
                    provider=provider, phone_id=phone)
    db.add(device)
    db.flush()
    return device


def _notify(db, user):
    [message_id] = notify(db, [user.id], kind="case_closed", code="20261125000001")
    return db.get(Notification, message_id)


def _statuses(db):
    return sorted(db.execute(select(PushDelivery.status)).scalars())


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
    assert _statuses(db) == ["sent", "sent"]


def test_dead_tokens_are_switched_off(db, fcm):
    user = make_user(db)
    dead = _device(db, user, "dead-token-123456")
    elsewhere = _device(db, user, "other-sender-token-1")
    alive = _device(db, user, "alive-token-123456")
    push.deliver_notifications(db, notification_ids=[_notify(db, user).id])
    db.expire_all()
    assert (dead.active, elsewhere.active, alive.active) == (False, False, True)
    push.deliver_notifications(db, notification_ids=[_notify(db, user).id])
    assert fcm.tokens_sent().count("dead-token-123456") == 1  # never tried again


def test_busy_fcm_is_retried_later_without_pushing_twice(db, fcm):
    user = make_user(db)
    _device(db, user, "busy-token-1234567")
    _device(db, user, "fine-token-1234567")
    message = _notify(db, user)
    with pytest.raises(RetryLater, match="QuotaExceeded"):
        push.deliver_notifications(db, notification_ids=[message.id])
    push.deliver_notifications(db, notification_ids=[message.id])  # the retry
    assert fcm.tokens_sent().count("fine-token-1234567") == 1
    assert fcm.tokens_sent().count("busy-token-1234567") == 2
    assert _statuses(db) == ["sent", "sent"]


def test_every_notification_goes_through_the_outbox(db, handoffs):
    user = make_user(db)
    message = _notify(db, user)
    db.commit()
    pushes = db.execute(select(OutboxMessage).where(
        OutboxMessage.topic == "push.notification")).scalars().all()
    assert [p.payload for p in pushes] == [{"notification_ids": [message.id]}]
    assert (pushes[0].id, "default") in handoffs


def test_log_backend_needs_no_credentials(db, app):
    assert app.extensions["grid_push"].backend == "log"
    user = make_user(db)
    _device(db, user, "demo-phone-token")
    _device(db, user, "demo-huawei-token", provider="huawei")
    message = _notify(db, user)
    push.deliver_notifications(db, notification_ids=[message.id])
    assert set(db.execute(select(PushDelivery.message_id)).scalars()) == {f"log:{message.id}"}


def test_real_fcm_without_a_file_uses_application_default_credentials():
    def config(**values):
        return ChannelConfig("fcm", {"credentials_file": "", "endpoint": ""} | values)

    assert fcm_channel.fcm_credential(config()) is None  # not a made-up token sent to Google
    assert isinstance(fcm_channel.fcm_credential(config(endpoint="http://127.0.0.1:9")),
                      fcm_channel._StaticToken)


def test_a_phone_is_pushed_once_through_its_preferred_channel(db, app, monkeypatch):
    with start("huawei") as huawei, FakeFcm() as google:
        go_live(app, monkeypatch, ("huawei", "fcm"),
                env("huawei", huawei.url) | env("fcm", google.url))
        user = make_user(db)
        _device(db, user, "hms-token-0000001", provider="huawei", phone="phone-0001")
        _device(db, user, "fcm-token-0000001", phone="phone-0001")
        _device(db, user, "fcm-token-of-a-tablet")  # a phone of its own
        push.deliver_notifications(db, notification_ids=[_notify(db, user).id])
    assert huawei.delivered == ["hms-token-0000001"]
    assert google.tokens_sent() == ["fcm-token-of-a-tablet"]


def test_a_dead_vendor_token_falls_back_to_fcm(db, app, monkeypatch):
    with start("xiaomi") as xiaomi, FakeFcm() as google:
        go_live(app, monkeypatch, ("xiaomi", "fcm"),
                env("xiaomi", xiaomi.url) | env("fcm", google.url))
        user = make_user(db)
        vendor = _device(db, user, "dead-mi-regid-0001", provider="xiaomi", phone="phone-0002")
        _device(db, user, "fcm-token-0000002", phone="phone-0002")
        message = _notify(db, user)
        push.deliver_notifications(db, notification_ids=[message.id])
        push.deliver_notifications(db, notification_ids=[message.id])  # a redelivery
        push.deliver_notifications(db, notification_ids=[_notify(db, user).id])  # the next one
    db.expire_all()
    assert vendor.active is False
    assert len(xiaomi.received) == 1  # the dead token is never tried again
    assert google.tokens_sent() == ["fcm-token-0000002", "fcm-token-0000002"]
    assert _statuses(db) == ["dead_token", "sent", "sent"]


def test_a_spent_quota_stops_the_channel_until_it_is_back(db, app, monkeypatch, push_state):
    with start("vivo") as vivo, FakeFcm() as google:
        go_live(app, monkeypatch, ("vivo", "fcm"),
                env("vivo", vivo.url) | env("fcm", google.url))
        only_vivo, both = make_user(db), make_user(db)
        _device(db, only_vivo, "vivo-regid-0000001", provider="vivo")
        _device(db, both, "vivo-regid-0000002", provider="vivo", phone="phone-0003")
        _device(db, both, "fcm-token-0000003", phone="phone-0003")
        vivo.exhaust_quota()
        waiting = _notify(db, only_vivo)
        with pytest.raises(RetryLater, match="1 phone") as later:
            push.deliver_notifications(db, notification_ids=[waiting.id])
        assert later.value.after > timedelta(minutes=1)  # midnight in China, not a backoff
        assert 0 < push_state.ttl(quota.KEY + "vivo") <= 86400
        push.deliver_notifications(db, notification_ids=[_notify(db, both).id])
        assert len(vivo.received) == 1  # stopped: not asked again today …
        assert google.tokens_sent() == ["fcm-token-0000003"]  # … the phone's FCM token was
        vivo.exhaust_quota(False)
        push_state.delete(quota.KEY + "vivo")
        quota.stop(push_state, "vivo", datetime.now(UTC) + timedelta(seconds=0.5))
        time.sleep(0.6)  # the vendor's day is over
        push.deliver_notifications(db, notification_ids=[waiting.id])  # the retry
    assert vivo.delivered == ["vivo-regid-0000001"]
    assert _statuses(db) == ["sent", "sent"]


def test_never_pushed_twice_across_retries(db, app, monkeypatch):
    with start("oppo") as oppo:
        go_live(app, monkeypatch, ("oppo",), env("oppo", oppo.url))
        user = make_user(db)
        for n in range(3):
            _device(db, user, f"oppo-regid-000000{n}", provider="oppo")
        message = _notify(db, user)
        oppo.fail(1)
        with pytest.raises(RetryLater):
            push.deliver_notifications(db, notification_ids=[message.id])
        oppo.throttle(1)
        with pytest.raises(RetryLater):
            push.deliver_notifications(db, notification_ids=[message.id])
        push.deliver_notifications(db, notification_ids=[message.id])
        push.deliver_notifications(db, notification_ids=[message.id])
    assert sorted(oppo.delivered) == [f"oppo-regid-000000{n}" for n in range(3)]
    assert _statuses(db) == ["sent", "sent", "sent"]


class _DiesAfterSending:
    """A worker killed right after the vendor took the push, before it wrote that down."""

    def __init__(self, real):
        self.real, self.name, self.max_batch = real, real.name, real.max_batch

    def send(self, message, targets):
        self.real.send(message, targets)
        raise SystemExit("worker killed")


def test_never_pushed_twice_across_a_restart(db, app, monkeypatch):
    with start("jpush") as jpush:
        channels = go_live(app, monkeypatch, ("jpush",), env("jpush", jpush.url))
        user = make_user(db)
        _device(db, user, "jpush-registration-1", provider="jpush")
        message = _notify(db, user)
        channels.use("jpush", _DiesAfterSending(channels.get("jpush")))
        with pytest.raises(SystemExit):
            push.deliver_notifications(db, notification_ids=[message.id])
        restarted = for_settings(app.extensions["grid_push"])
        restarted.use("jpush", restarted._build("jpush"))
        push.deliver_notifications(db, notification_ids=[message.id])  # the job again
    assert jpush.delivered == ["jpush-registration-1"]
    assert _statuses(db) == ["sending"]  # unknown outcome: not pushed again


def test_the_outbox_waits_as_long_as_the_vendor_said(app, committed, monkeypatch):
    with committed.new_session() as session:
        message = outbox.add(session, Topic.ping)
        session.commit()
        message_id = message.id

    def spent(session, **payload):
        raise RetryLater("quota spent", after=timedelta(hours=3))

    monkeypatch.setitem(handlers.HANDLERS, Topic.ping, spent)
    assert relay.deliver(message_id) == "retry_later"
    with committed.new_session() as session:
        waits_until = session.get(OutboxMessage, message_id).available_at
    assert waits_until > datetime.now(UTC) + timedelta(hours=2, minutes=59)
