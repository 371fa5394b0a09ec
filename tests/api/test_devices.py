"""Devices: upsert by token, a token moves with its user, removal; who hears what."""

from sqlalchemy import select

from models.device import Device
from tests.api.test_cases import act, report


def test_register_update_move_and_remove(client, db, world):
    body = {"token": "fcm-token-abcdefghij", "platform": "android", "locale": "en"}
    first = client.post("/api/v1/devices", json=body, headers=world["resident"].headers)
    assert first.status_code == 201
    again = client.post("/api/v1/devices", json=body | {"app_version": "2.1"},
                        headers=world["resident"].headers)
    assert again.status_code == 200
    assert again.get_json()["id"] == first.get_json()["id"]
    moved = client.post("/api/v1/devices", json=body, headers=world["neighbour"].headers)
    assert moved.status_code == 200
    device = db.execute(select(Device)).scalar_one()
    assert device.user_id == world["neighbour"].user.id
    assert client.delete(f"/api/v1/devices/{body['token']}",
                         headers=world["resident"].headers).status_code == 404
    assert client.delete(f"/api/v1/devices/{body['token']}",
                         headers=world["neighbour"].headers).status_code == 204
    bad = client.post("/api/v1/devices", json={"token": "x", "platform": "nokia"},
                      headers=world["resident"].headers)
    assert set(bad.get_json()["errors"]) == {"token", "platform"}


def _kinds(client, who):
    return [item["kind"] for item in client.get(
        "/api/v1/notifications", headers=who.headers).get_json()["items"]]


def test_who_hears_what_along_the_loop(client, world):
    case_id = report(client, world["resident"]).get_json()["id"]
    act(client, world["supervisor"], case_id, "register")
    act(client, world["supervisor"], case_id, "dispatch", {"unit_id": world["unit_id"]})
    act(client, world["unit"], case_id, "comments", {"note": "我们明天处理"})
    act(client, world["unit"], case_id, "accept")
    act(client, world["unit"], case_id, "resolve", {"note": "好了"})
    act(client, world["worker"], case_id, "verify")
    act(client, world["supervisor"], case_id, "close")
    assert _kinds(client, world["resident"]) == [
        "case_closed", "case_resolved", "staff_reply", "case_dispatched", "case_registered"]
    assert _kinds(client, world["unit"]) == ["new_dispatch"]
    assert _kinds(client, world["worker"]) == ["verification_task"]
    assert _kinds(client, world["other_unit"]) == []


def test_a_phone_registers_each_channels_token(client, db, world):
    headers = world["resident"].headers
    phone = {"platform": "android", "phone_id": "install-5f2a9c1e"}
    hms = client.post("/api/v1/devices", headers=headers, json=phone | {
        "token": "IQAAAACy0kYkAAD-hms-token", "provider": "huawei"})
    fcm = client.post("/api/v1/devices", headers=headers, json=phone | {
        "token": "fcm-registration-token-1"})
    assert (hms.status_code, fcm.status_code) == (201, 201)
    assert (hms.get_json()["provider"], fcm.get_json()["provider"]) == ("huawei", "fcm")
    rows = db.execute(select(Device.provider, Device.phone_id).order_by(Device.id)).all()
    assert rows == [("huawei", "install-5f2a9c1e"), ("fcm", "install-5f2a9c1e")]
    bad = client.post("/api/v1/devices", headers=headers, json=phone | {
        "token": "a-token-of-some-kind", "provider": "nokia", "phone_id": "x"})
    assert bad.status_code == 422
    assert set(bad.get_json()["errors"]) == {"provider", "phone_id"}


def test_a_device_without_an_app_version_is_answered_as_documented(client, world):
    response = client.post("/api/v1/devices", headers=world["resident"].headers,
                           json={"token": "fcm-token-klmnopqrst", "platform": "android"})
    assert response.status_code == 201
    device = response.get_json()
    schema = client.get("/openapi.json").get_json()["components"]["schemas"]["Device"]
    for name in ("app_version", "phone_id"):
        assert device[name] is None
        assert schema["properties"][name]["nullable"] is True
