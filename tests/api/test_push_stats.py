"""What operators see of the push channels: /metrics per channel, and the delivery rate per
channel and app version (admins)."""

import pytest

from devenv.fake_fcm import FakeFcm
from devenv.push_fakes import env, go_live, start
from grid_api.notifications.inbox import notify
from models.device import Device
from tasks import push


@pytest.fixture(autouse=True)
def push_state(app):
    redis = app.extensions["grid_redis"]
    for key in redis.scan_iter("push:*"):
        redis.delete(key)
    yield
    for key in redis.scan_iter("push:*"):
        redis.delete(key)


def _phone(db, user, token, provider, version, *, phone=None):
    db.add(Device(user_id=user.id, token=token, platform="android", provider=provider,
                  app_version=version, phone_id=phone))


def test_channels_are_measured_and_rated(app, client, db, world, monkeypatch):
    resident = world["resident"].user
    with start("xiaomi") as xiaomi, FakeFcm() as google:
        go_live(app, monkeypatch, ("xiaomi", "fcm"),
                env("xiaomi", xiaomi.url) | env("fcm", google.url))
        _phone(db, resident, "dead-mi-regid-01", "xiaomi", "2.1", phone="phone-of-resident")
        _phone(db, resident, "fcm-token-resident", "fcm", "2.1", phone="phone-of-resident")
        _phone(db, resident, "mi-regid-of-a-tablet", "xiaomi", "2.0")
        db.flush()
        [message_id] = notify(db, [resident.id], kind="case_closed", code="20261125000001")
        push.deliver_notifications(db, notification_ids=[message_id])
    text = client.get("/metrics").get_data(as_text=True)
    assert 'grid_push_devices_total{outcome="dead",provider="xiaomi"} 1.0' in text
    assert 'grid_push_devices_total{outcome="delivered",provider="xiaomi"} 1.0' in text
    assert 'grid_push_devices_total{outcome="delivered",provider="fcm"} 1.0' in text
    assert 'grid_push_request_seconds_count{provider="xiaomi"} 1.0' in text
    assert 'grid_push_quota_stopped{provider="xiaomi"} 0.0' in text
    answer = client.get("/api/v1/push/stats?days=1", headers=world["admin"].headers)
    assert answer.status_code == 200
    rows = {(row["provider"], row["app_version"]): row for row in answer.get_json()["items"]}
    assert (rows[("xiaomi", "2.1")]["delivery_rate"], rows[("xiaomi", "2.1")]["dead_tokens"],
            rows[("xiaomi", "2.1")]["live_devices"]) == (0.0, 1, 0)
    assert rows[("xiaomi", "2.0")]["delivery_rate"] == 1.0
    assert rows[("fcm", "2.1")]["delivered"] == 1
    bad = client.get("/api/v1/push/stats?days=0", headers=world["admin"].headers)
    assert bad.status_code == 422
