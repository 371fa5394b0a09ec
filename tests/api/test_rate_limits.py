"""Brute-force protection: per account and per client address, 429 problem with Retry-After."""

import pytest

from grid_api.app import create_app
from grid_api.config import Settings
from grid_api.web.rate_limits import limiter


@pytest.fixture
def strict_client(test_env, migrated):
    env = dict(test_env, LOGIN_LIMIT_PER_ACCOUNT="3 per minute",
               AUTH_LIMIT_PER_ADDRESS="6 per minute", REGISTER_LIMIT_PER_ACCOUNT="2 per minute")
    app = create_app(settings=Settings.from_env(env))
    with app.app_context():
        limiter.reset()
    yield app.test_client()
    with app.app_context():
        limiter.reset()


def _login(client, phone, address="10.0.0.1"):
    return client.post("/api/v1/auth/login", json={"phone": phone, "password": "Wrong12345"},
                       environ_base={"REMOTE_ADDR": address})


def test_per_account_limit_whatever_the_spelling_or_address(strict_client):
    spellings = ["13700001111", "+8613700001111", "137 0000 1111"]
    statuses = [_login(strict_client, phone, f"10.0.0.{i}").status_code
                for i, phone in enumerate(spellings)]
    assert statuses == [401, 401, 401]
    blocked = _login(strict_client, "13700001111", "10.0.0.99")
    assert blocked.status_code == 429
    assert blocked.mimetype == "application/problem+json"
    assert int(blocked.headers["Retry-After"]) > 0
    assert blocked.get_json()["title"] == "请求过于频繁，请稍后再试"


def test_per_address_limit_across_accounts(strict_client):
    statuses = [_login(strict_client, f"1370000{i:04d}").status_code for i in range(7)]
    assert statuses[:6] == [401] * 6
    assert statuses[6] == 429
    assert _login(strict_client, "13700009999", "10.0.0.2").status_code == 401


def test_register_is_limited_per_account(strict_client):
    body = {"phone": "13700002222", "password": "Hangzhou2026", "display_name": "李"}
    statuses = [strict_client.post("/api/v1/auth/register", json=body,
                                   environ_base={"REMOTE_ADDR": f"10.1.0.{i}"}).status_code
                for i in range(3)]
    assert statuses == [201, 409, 429]


def test_refresh_is_limited_per_address(strict_client):
    statuses = [strict_client.post("/api/v1/auth/refresh", json={"refresh_token": "x"},
                                   environ_base={"REMOTE_ADDR": "10.2.0.1"}).status_code
                for _ in range(7)]
    assert statuses == [401] * 6 + [429]


def test_login_register_and_refresh_share_one_budget_per_address(strict_client):
    """The documented per-address budget covers the three together, not each apart."""
    address = {"REMOTE_ADDR": "10.3.0.1"}
    statuses = [_login(strict_client, "13700003333", "10.3.0.1").status_code for _ in range(2)]
    statuses += [strict_client.post("/api/v1/auth/refresh", json={"refresh_token": "x"},
                                    environ_base=address).status_code for _ in range(2)]
    statuses += [strict_client.post("/api/v1/auth/register", environ_base=address, json={
        "phone": f"1370000444{i}", "password": "Hangzhou2026", "display_name": "李"}).status_code
        for i in range(3)]
    assert statuses == [401, 401, 401, 401, 201, 201, 429]


def test_behind_a_trusted_proxy_each_client_has_its_own_budget(test_env, migrated):
    env = dict(test_env, AUTH_LIMIT_PER_ADDRESS="2 per minute", TRUSTED_PROXY_HOPS="1",
               LOGIN_LIMIT_PER_ACCOUNT="100 per minute")
    app = create_app(settings=Settings.from_env(env))
    client = app.test_client()
    with app.app_context():
        limiter.reset()
    try:
        def login_via_proxy(client_address):
            return client.post("/api/v1/auth/login", json={"phone": "13700005555",
                                                           "password": "Wrong12345"},
                               headers={"X-Forwarded-For": client_address},
                               environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code
        assert [login_via_proxy("203.0.113.1") for _ in range(3)] == [401, 401, 429]
        assert login_via_proxy("203.0.113.2") == 401  # another client behind the same proxy
    finally:
        with app.app_context():
            limiter.reset()


def test_forwarded_addresses_are_ignored_unless_a_proxy_is_trusted(strict_client):
    statuses = [strict_client.post(
        "/api/v1/auth/login", json={"phone": f"1370000{i:04d}", "password": "Wrong12345"},
        headers={"X-Forwarded-For": f"203.0.113.{i}"},
        environ_base={"REMOTE_ADDR": "10.4.0.1"}).status_code for i in range(7)]
    assert statuses[6] == 429  # a forged header buys no new budget
