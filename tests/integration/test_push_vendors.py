"""Each channel's real client against the local fake of its vendor: authentication as the
vendor documents it, one answer per device, and each documented error."""

import contextlib
import logging
from datetime import UTC, datetime

import pytest

from devenv.push_fakes import SECRETS, provider, service_account, start
from grid_api.push import http
from grid_api.push.interface import Message, Outcome, Target
from grid_api.push.vendors import jiguang

VENDORS = ("huawei", "harmony", "xiaomi", "oppo", "vivo", "jpush")
TOKEN_HANDSHAKES = ("huawei", "oppo", "vivo")  # vendors whose access token expires
QUOTAS = ("xiaomi", "oppo", "vivo", "jpush")  # vendors that answer "quota spent"
MESSAGE = Message(notification_id=7, title="案件已结案，请评价",
                  body="您反映的问题（案件 20261125000001）已处理完毕并结案。",
                  link="gridapi://cases/5", collapse_key="case-5", ttl_seconds=86400,
                  data={"notification_id": "7", "kind": "case_closed", "case_id": "5"})
DEVICES = [Target("live-token-0001"), Target("dead-token-0002"), Target("live-token-0003")]


@pytest.fixture(scope="module")
def account(tmp_path_factory):
    return service_account(tmp_path_factory.mktemp("harmony"))


@pytest.fixture
def running(account):
    """``running(name)``: the fake of a vendor and our client of it."""
    path, public = account

    @contextlib.contextmanager
    def run(name):
        with start(name, public) as fake:
            yield fake, provider(name, fake.url, path)

    return run


@pytest.fixture(params=VENDORS)
def vendor(request, running):
    with running(request.param) as (fake, channel):
        yield request.param, fake, channel


def test_each_device_gets_its_own_answer(vendor):
    _, fake, channel = vendor
    answers = channel.send(MESSAGE, DEVICES)
    assert [answer.outcome for answer in answers] == [
        Outcome.delivered, Outcome.dead, Outcome.delivered]
    assert sorted(fake.delivered) == ["live-token-0001", "live-token-0003"]
    [single] = channel.send(MESSAGE, DEVICES[:1])  # vivo: another endpoint for one device
    assert single.outcome is Outcome.delivered


def test_busy_vendor_and_server_errors_are_tried_later(vendor):
    name, fake, channel = vendor
    fake.throttle(1, seconds=7)
    busy = channel.send(MESSAGE, DEVICES)
    assert {answer.outcome for answer in busy} == {Outcome.retry}
    if name in ("xiaomi", "jpush"):  # the vendors that say how long to wait
        assert busy[0].retry_after == 7
    fake.fail(1)
    assert {answer.outcome for answer in channel.send(MESSAGE, DEVICES)} == {Outcome.retry}
    assert fake.delivered == []


@pytest.mark.parametrize("name", QUOTAS)
def test_a_spent_quota_stops_until_the_vendors_day_ends(name, running):
    with running(name) as (fake, channel):
        fake.exhaust_quota()
        answers = channel.send(MESSAGE, DEVICES)
    assert {answer.outcome for answer in answers} == {Outcome.quota}
    assert answers[0].reset_at == http.next_vendor_day()
    assert answers[0].reset_at > datetime.now(UTC)
    assert fake.delivered == []


def test_a_message_the_vendor_refuses_is_not_retried(vendor):
    name, fake, channel = vendor
    long = Message(**{**MESSAGE.__dict__, "body": "很长的内容" * 1000})
    if name == "jpush":
        long = Message(**{**MESSAGE.__dict__, "body": ""})
    answers = channel.send(long, DEVICES)
    if name == "vivo":  # cut to vivo's length instead
        assert [answer.outcome for answer in answers] == [
            Outcome.delivered, Outcome.dead, Outcome.delivered]
        saved = [entry for entry in fake.received if entry["path"] == "saveListPayload"]
        content = saved[-1]["body"]["content"]
        assert content.endswith("…")
        assert len(content) <= 50
        return
    assert {answer.outcome for answer in answers} == {Outcome.invalid}
    assert fake.delivered == []


@pytest.mark.parametrize("name", TOKEN_HANDSHAKES)
def test_an_expired_access_token_is_fetched_again_once(name):
    with start(name) as fake:
        channel = provider(name, fake.url)
        channel.send(MESSAGE, DEVICES[:1])
        channel.send(MESSAGE, DEVICES[:1])
        assert fake.token_requests == 1  # cached until it expires
        fake.expire_tokens()
        [answer] = channel.send(MESSAGE, DEVICES[:1])
        assert answer.outcome is Outcome.delivered
        assert fake.token_requests == 2


def test_huawei_token_is_renewed_before_its_expiry(monkeypatch):
    with start("huawei") as fake:
        fake.token_lifetime = 3600
        channel = provider("huawei", fake.url)
        channel.send(MESSAGE, DEVICES[:1])
        later = channel.tokens._clock() + 3600 - 30  # inside the last tenth of its life
        monkeypatch.setattr(channel.tokens, "_clock", lambda: later)
        channel.send(MESSAGE, DEVICES[:1])
        assert fake.token_requests == 2
        assert len(fake.delivered) == 2


def test_harmony_signs_a_new_jwt_when_the_old_one_runs_out(account, monkeypatch):
    path, public = account
    with start("harmony", public) as fake:
        channel = provider("harmony", fake.url, path)
        channel.send(MESSAGE, DEVICES[:1])
        later = channel.tokens._clock() + 3600
        monkeypatch.setattr(channel.tokens, "_clock", lambda: later)
        channel.send(MESSAGE, DEVICES[:1])
        assert fake.token_requests == 2  # two different JWTs, both verified by the fake
        wrong = dict(public, key_id="another-key")
        fake.account = wrong
        [refused] = channel.send(MESSAGE, DEVICES[:1])
        assert refused.outcome is Outcome.retry
        assert refused.detail.startswith("auth")


@pytest.mark.parametrize("name", ["huawei", "xiaomi", "oppo", "vivo", "jpush"])
def test_refused_keys_are_retried_late_and_never_logged(name, caplog):
    with start(name) as fake, caplog.at_level(logging.DEBUG):
        secret_attr = "master_secret" if name in ("oppo", "jpush") else "app_secret"
        right = getattr(fake, secret_attr)
        setattr(fake, secret_attr, "not-the-secret-the-app-has")
        channel = provider(name, fake.url)
        [answer] = channel.send(MESSAGE, DEVICES[:1])
        assert answer.outcome is Outcome.retry
        assert answer.retry_after == http.AUTH_RETRY_SECONDS
        setattr(fake, secret_attr, right)  # the operator fixed the key at the vendor
        channel.send(MESSAGE, DEVICES)
    assert fake.delivered
    for secret in SECRETS:
        assert secret not in caplog.text


def test_every_vendor_gets_our_service_message_class(account):
    path, public = account
    sent = {}
    for name in VENDORS:
        with start(name, public) as fake:
            provider(name, fake.url, path).send(MESSAGE, DEVICES[:2])
            sent[name] = fake.received[0]  # vivo: its list payload comes first
    android = sent["huawei"]["body"]["message"]["android"]
    assert (android["category"], android["notification"]["importance"]) == ("WORK", "NORMAL")
    assert android["notification"]["click_action"] == {"type": 1, "intent": "gridapi://cases/5"}
    assert sent["harmony"]["body"]["payload"]["notification"]["category"] == "WORK"
    assert sent["xiaomi"]["form"]["extra.channel_id"] == "case_updates"
    assert sent["xiaomi"]["form"]["time_to_live"] == str(86400 * 1000)
    notification = sent["oppo"]["messages"][0]["notification"]
    assert (notification["channel_id"], notification["category"],
            notification["notify_level"]) == ("case_updates", "TODO", 2)
    assert (sent["vivo"]["body"]["classification"], sent["vivo"]["body"]["category"]) == (
        1, "TODO")
    options = next(iter(sent["jpush"]["pushlist"].values()))["options"]
    assert options["classification"] == jiguang.SYSTEM_MESSAGE
    assert options["third_party_channel"]["vivo"]["classification"] == 1
    assert options["third_party_channel"]["huawei"]["importance"] == "NORMAL"
