"""Integration clients: registration, API keys shown once and kept hashed, rotation with an
overlap window, revocation, operations and rate limits."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from grid_api.errors import PermissionDenied, RateLimited
from grid_api.integrations import clients
from grid_api.integrations.api.keys import client_for_key
from models.integration import ApiKey, ClientChannel, ClientOperation, IntegrationClient
from models.user import User
from tests.factories import bearer, login, make_user

HOTLINE = {"name": "12345 热线工单系统", "channel": "hotline",
           "operations": ["workorders.submit", "webhooks.manage"],
           "rate_limit": "600 per minute"}


@pytest.fixture
def admin(client, db):
    return bearer(login(client, make_user(db, roles=("admin",))))


def _create(db, **overrides):
    fields = {"name": "小程序", "channel": ClientChannel.mini_program,
              "operations": [ClientOperation.open311_submit.value],
              "rate_limit": "120 per minute"} | overrides
    made = clients.create_client(db, **fields)
    db.flush()
    return made


def test_admin_registers_a_client_and_sees_its_key_once(client, db, admin):
    response = client.post("/api/v1/clients", json=HOTLINE, headers=admin)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    key = body["api_key"]
    assert key.startswith("gk_")
    assert len(key) > 40
    assert body["channel"] == "hotline"
    assert body["operations"] == sorted(HOTLINE["operations"])
    assert [k["prefix"] for k in body["keys"]] == [key[:10]]
    shown = client.get(f"/api/v1/clients/{body['id']}", headers=admin).get_json()
    listed = client.get("/api/v1/clients", headers=admin).get_json()["items"]
    assert "api_key" not in shown
    assert key not in str(shown)
    assert key not in str(listed)
    stored = db.execute(select(ApiKey.key_hash).where(ApiKey.client_id == body["id"])).scalar()
    assert stored == clients.hash_key(key)
    assert key not in stored
    dumped = db.execute(text("SELECT row_to_json(k)::text FROM api_keys k")).scalars().all()
    assert not any(key in row for row in dumped)


def test_the_clients_account_is_named_after_it_and_cannot_sign_in(client, db, admin):
    body = client.post("/api/v1/clients", json=HOTLINE, headers=admin).get_json()
    account = db.get(User, body["account_id"])
    assert account.display_name == HOTLINE["name"]
    response = client.post("/api/v1/auth/login", json={"phone": account.phone,
                                                       "password": "!"})
    assert response.status_code in {401, 422}


@pytest.mark.parametrize(("change", "status"), [
    ({"rate_limit": "lots"}, 422),
    ({"operations": ["cases.delete"]}, 422),
    ({"operations": []}, 422),
    ({"channel": "fax"}, 422),
    ({"owner_id": 2**62}, 422),
])
def test_bad_registrations_are_refused(client, db, admin, change, status):
    response = client.post("/api/v1/clients", json=HOTLINE | change, headers=admin)
    assert response.status_code == status, response.get_json()


def test_a_name_is_registered_once(client, db, admin):
    assert client.post("/api/v1/clients", json=HOTLINE, headers=admin).status_code == 201
    response = client.post("/api/v1/clients", json=HOTLINE, headers=admin)
    assert response.status_code == 409
    assert response.get_json()["type"].endswith("client_exists")


def test_admin_changes_operations_and_rate_limit(client, db, admin):
    created = client.post("/api/v1/clients", json=HOTLINE, headers=admin).get_json()
    response = client.patch(f"/api/v1/clients/{created['id']}", headers=admin,
                            json={"operations": ["open311.submit"],
                                  "rate_limit": "10 per second"})
    assert response.status_code == 200
    assert response.get_json()["operations"] == ["open311.submit"]
    assert response.get_json()["rate_limit"] == "10 per second"


def test_a_key_identifies_its_client(db):
    made, key = _create(db)
    found = clients.authenticate(db, key)
    assert (found.client_id, found.account_id, found.channel) == (
        made.id, made.account_id, ClientChannel.mini_program)
    assert found.may(ClientOperation.open311_submit)
    assert not found.may(ClientOperation.workorders_submit)


@pytest.mark.parametrize("wrong", [None, "", "gk_nonesuch", "Bearer x", "gk_" + "a" * 200])
def test_wrong_keys_are_refused(db, wrong):
    _create(db)
    with pytest.raises(PermissionDenied):
        clients.authenticate(db, wrong)


def test_rotation_keeps_the_old_key_for_the_overlap_only(db):
    made, old = _create(db)
    now = datetime.now(UTC)
    new = clients.rotate_key(db, made.id, overlap_hours=2, now=now)
    assert clients.authenticate(db, old, now=now + timedelta(hours=1)).client_id == made.id
    assert clients.authenticate(db, new, now=now + timedelta(hours=1)).client_id == made.id
    with pytest.raises(PermissionDenied):
        clients.authenticate(db, old, now=now + timedelta(hours=2, seconds=1))
    assert clients.authenticate(db, new, now=now + timedelta(days=400)).client_id == made.id


def test_rotation_without_overlap_stops_the_old_key_at_once(db):
    made, old = _create(db)
    new = clients.rotate_key(db, made.id, overlap_hours=0)
    with pytest.raises(PermissionDenied):
        clients.authenticate(db, old)
    assert clients.authenticate(db, new).client_id == made.id


def test_a_second_rotation_does_not_lengthen_the_first_overlap(db):
    made, first = _create(db)
    now = datetime.now(UTC)
    clients.rotate_key(db, made.id, overlap_hours=1, now=now)
    clients.rotate_key(db, made.id, overlap_hours=48, now=now)
    with pytest.raises(PermissionDenied):
        clients.authenticate(db, first, now=now + timedelta(hours=2))


def test_rotating_over_http_returns_a_working_key(client, db, admin):
    created = client.post("/api/v1/clients", json=HOTLINE, headers=admin).get_json()
    response = client.post(f"/api/v1/clients/{created['id']}/keys", headers=admin,
                           json={"overlap_hours": 0})
    assert response.status_code == 201
    assert clients.authenticate(db, response.get_json()["api_key"]).client_id == created["id"]
    with pytest.raises(PermissionDenied):
        clients.authenticate(db, created["api_key"])
    keys = client.get(f"/api/v1/clients/{created['id']}", headers=admin).get_json()["keys"]
    assert [k["active"] for k in keys] == [False, True]


def test_revoking_a_key_stops_it(client, db, admin):
    created = client.post("/api/v1/clients", json=HOTLINE, headers=admin).get_json()
    key_id = created["keys"][0]["id"]
    url = f"/api/v1/clients/{created['id']}/keys/{key_id}"
    assert client.delete(url, headers=admin).status_code == 204
    with pytest.raises(PermissionDenied):
        clients.authenticate(db, created["api_key"])
    assert client.delete(f"/api/v1/clients/{created['id']}/keys/{key_id + 1000}",
                         headers=admin).status_code == 404


def test_revoking_a_client_stops_every_key_and_further_rotation(client, db, admin):
    created = client.post("/api/v1/clients", json=HOTLINE, headers=admin).get_json()
    second = clients.rotate_key(db, created["id"], overlap_hours=24)
    assert client.delete(f"/api/v1/clients/{created['id']}", headers=admin).status_code == 204
    for key in (created["api_key"], second):
        with pytest.raises(PermissionDenied):
            clients.authenticate(db, key)
    response = client.post(f"/api/v1/clients/{created['id']}/keys", headers=admin, json={})
    assert response.status_code == 409
    assert db.get(IntegrationClient, created["id"]).revoked_at is not None


def test_an_operation_the_client_was_not_given_is_refused(app, db):
    _made, key = _create(db)
    with app.test_request_context("/"):
        assert client_for_key(key, ClientOperation.open311_submit)
        with pytest.raises(PermissionDenied):
            client_for_key(key, ClientOperation.workorders_submit)


def test_a_client_beyond_its_rate_limit_is_refused(app, db):
    _made, key = _create(db, rate_limit="3 per minute")
    with app.test_request_context("/"):
        for _ in range(3):
            client_for_key(key)
        with pytest.raises(RateLimited):
            client_for_key(key)
