"""Where webhooks may go: no loopback, link-local, metadata or private address unless the
deployment allows it — refused when a URL is subscribed (422) and again when a message is
sent, after the name is resolved; redirects are never followed."""

from __future__ import annotations

import ipaddress

import pytest

from grid_api.config import ConfigError, Settings
from grid_api.integrations import clients
from grid_api.integrations.targets import ForbiddenTarget, Refusal, TargetPolicy
from models.integration import ClientChannel, ClientOperation
from tasks.webhooks import post
from tests.factories import bearer, login, make_user

STRICT = TargetPolicy()
LOOPBACK = TargetPolicy.from_settings(False, ["127.0.0.1/32"])


@pytest.mark.parametrize(("address", "refusal"), [
    ("127.0.0.1", Refusal.loopback), ("127.8.9.10", Refusal.loopback),
    ("::1", Refusal.loopback), ("::ffff:127.0.0.1", Refusal.loopback),
    ("169.254.169.254", Refusal.metadata), ("100.100.100.200", Refusal.metadata),
    ("fd00:ec2::254", Refusal.metadata), ("169.254.1.1", Refusal.link_local),
    ("fe80::1", Refusal.link_local), ("10.1.2.3", Refusal.private),
    ("172.16.0.1", Refusal.private), ("192.168.1.20", Refusal.private),
    ("100.64.0.1", Refusal.private), ("fc00::1", Refusal.private),
    ("0.0.0.0", Refusal.reserved), ("224.0.0.1", Refusal.reserved),  # noqa: S104
    ("240.0.0.1", Refusal.reserved), ("8.8.8.8", None), ("2001:4860:4860::8888", None),
    ("114.114.114.114", None),
])
def test_addresses_are_sorted_by_what_they_reach(address, refusal):
    assert STRICT.refusal(ipaddress.ip_address(address)) == refusal


def test_private_ranges_open_for_an_intranet_and_named_networks_for_anything():
    intranet = TargetPolicy.from_settings(True, [])
    for address in ("10.1.2.3", "192.168.1.20", "fc00::1"):
        assert intranet.refusal(ipaddress.ip_address(address)) is None
    for address in ("127.0.0.1", "169.254.169.254", "100.100.100.200", "fe80::1"):
        assert intranet.refusal(ipaddress.ip_address(address)) is not None
    named = TargetPolicy.from_settings(False, ["10.20.0.0/16", "127.0.0.1"])
    assert named.refusal(ipaddress.ip_address("10.20.3.4")) is None
    assert named.refusal(ipaddress.ip_address("::ffff:127.0.0.1")) is None
    assert named.refusal(ipaddress.ip_address("10.21.0.1")) is Refusal.private
    assert named.refusal(ipaddress.ip_address("127.0.0.2")) is Refusal.loopback


def test_urls_are_checked_by_their_literal_address_or_what_their_name_resolves_to():
    for url in ("http://127.0.0.1:8080/hooks", "http://[::1]/", "http://169.254.169.254/latest",
                "https://10.0.0.5/h", "http://localhost:9000/h",
                "http://2130706433/h"):  # 127.0.0.1 written as one number
        with pytest.raises(ForbiddenTarget):
            STRICT.check_url(url)
    STRICT.check_url("https://8.8.8.8/hooks")
    STRICT.check_url("https://no-such-name.invalid/hooks")  # left to the check at sending
    LOOPBACK.check_url("http://127.0.0.1:8080/hooks")
    with pytest.raises(ForbiddenTarget):
        LOOPBACK.check_url("http://127.0.0.2:8080/hooks")


def test_the_settings_name_the_rule():
    assert Settings.from_env({}).webhook_allow_private_targets is False
    assert Settings.from_env({}).webhook_allowed_networks == ()
    settings = Settings.from_env({"WEBHOOK_ALLOW_PRIVATE_TARGETS": "true",
                                  "WEBHOOK_ALLOWED_NETWORKS": "10.20.0.0/16, 127.0.0.1"})
    assert settings.webhook_allow_private_targets is True
    assert settings.webhook_allowed_networks == ("10.20.0.0/16", "127.0.0.1")
    with pytest.raises(ConfigError, match="WEBHOOK_ALLOWED_NETWORKS"):
        Settings.from_env({"WEBHOOK_ALLOWED_NETWORKS": "10.20.0.0/33"})


@pytest.fixture
def hotline(db):
    made, _key = clients.create_client(
        db, name="12345 热线", channel=ClientChannel.hotline,
        operations=[ClientOperation.open311_submit.value], rate_limit="100 per minute")
    db.flush()
    return made


FORBIDDEN = ["http://127.0.0.2:8080/hooks", "http://169.254.169.254/latest/meta-data",
             "http://[fe80::1]/h", "http://10.0.0.5/h", "http://[::1]:8080/h"]


@pytest.mark.parametrize("url", FORBIDDEN)
def test_admins_cannot_subscribe_a_forbidden_address(client, db, hotline, receiver, url):
    admin = bearer(login(client, make_user(db, roles=("admin",))))
    base = f"/api/v1/clients/{hotline.id}/webhooks"
    refused = client.post(base, json={"url": url, "event_types": ["case.closed"]},
                          headers=admin)
    assert refused.status_code == 422, refused.get_json()
    assert refused.content_type == "application/problem+json"
    assert refused.get_json()["errors"]["url"][0].startswith(("Webhook 不能发往", "本平台不允许"))
    english = client.post(base, json={"url": url, "event_types": ["case.closed"]},
                          headers=admin | {"Accept-Language": "en"}).get_json()
    assert english["errors"]["url"][0].startswith("Webhooks may not go to")
    made = client.post(base, json={"url": receiver.url, "event_types": ["case.closed"]},
                       headers=admin).get_json()  # 127.0.0.1, allowed by the tests' setting
    moved = client.patch(f"{base}/{made['id']}", json={"url": url}, headers=admin)
    assert moved.status_code == 422
    assert client.get(f"{base}/{made['id']}", headers=admin).get_json()["url"] == receiver.url


def test_a_client_cannot_subscribe_the_metadata_address_with_its_key(client, db):
    _made, key = clients.create_client(
        db, name="部门平台", channel=ClientChannel.department,
        operations=[ClientOperation.webhooks_manage.value], rate_limit="100 per minute")
    db.flush()
    refused = client.post("/api/v1/integrations/webhooks", headers={"X-API-Key": key},
                          json={"url": "http://169.254.169.254/latest/meta-data/",
                                "event_types": ["case.closed"]})
    assert refused.status_code == 422
    assert refused.get_json()["errors"] == {"url": ["Webhook 不能发往云元数据服务地址。"]}


def test_the_workers_sender_follows_the_deployments_rule(app):
    assert app.extensions["grid_webhook_targets"] == LOOPBACK  # the tests' setting
    for url in ("http://169.254.169.254/latest/meta-data/", "http://10.0.0.1:9/h",
                "http://127.0.0.2:9/h"):
        attempt = post(url, {}, b"{}")  # refused before any connection is made
        assert (attempt.status, attempt.refused) == (None, True)
        assert attempt.error.startswith("refused: ")
