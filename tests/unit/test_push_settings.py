"""Push settings: channels on in order, each fully configured or the process refuses to
start, and keys that never show in a repr or a log line."""

import logging

import pytest

from grid_api.config import ConfigError, Settings
from grid_api.push import settings as push_settings
from grid_api.push.vendors import channels

KNOWN = {name: channel.variables for name, channel in channels().items()}
HUAWEI = {"HUAWEI_APP_ID": "10086", "HUAWEI_APP_SECRET": "s3cr3t-huawei-app-secret"}


def _load(env):
    return push_settings.load(Settings.from_env(env), KNOWN)


def test_the_log_backend_needs_no_keys():
    push = _load({"PUSH_PROVIDERS": "huawei,fcm"})
    assert (push.backend, push.order, dict(push.channels)) == ("log", ("huawei", "fcm"), {})


def test_a_half_configured_channel_is_refused_naming_what_is_missing():
    env = {"PUSH_BACKEND": "live", "PUSH_PROVIDERS": "huawei,xiaomi",
           "XIAOMI_APP_SECRET": "xiaomi-secret-value"} | HUAWEI
    with pytest.raises(ConfigError, match=r"xiaomi.*XIAOMI_PACKAGE_NAME, XIAOMI_CHANNEL_ID") as exc:
        _load(env)
    assert "xiaomi-secret-value" not in str(exc.value)


def test_unknown_or_repeated_channels_and_bad_classes_are_refused():
    with pytest.raises(ConfigError, match="PUSH_PROVIDERS"):
        _load({"PUSH_PROVIDERS": "huawei,nokia"})
    with pytest.raises(ConfigError, match="PUSH_PROVIDERS"):
        _load({"PUSH_PROVIDERS": "fcm,fcm"})
    with pytest.raises(ConfigError, match="HUAWEI_CATEGORY"):
        _load({"PUSH_BACKEND": "live", "PUSH_PROVIDERS": "huawei",
               "HUAWEI_CATEGORY": "MARKETING"} | HUAWEI)
    with pytest.raises(ConfigError, match="PUSH_BACKEND"):
        Settings.from_env({"PUSH_BACKEND": "apns"})


def test_the_old_fcm_backend_is_the_live_one_and_still_needs_its_project():
    with pytest.raises(ConfigError, match="FCM_PROJECT_ID"):
        _load({"PUSH_BACKEND": "fcm"})
    push = _load({"PUSH_BACKEND": "fcm", "FCM_PROJECT_ID": "grid-city"})
    assert push.backend == "live"
    assert push.channels["fcm"].project_id == "grid-city"


def test_keys_never_show_in_reprs_or_logs(caplog):
    env = {"PUSH_BACKEND": "live", "PUSH_PROVIDERS": "huawei"} | HUAWEI
    settings = Settings.from_env(env)
    push = push_settings.load(settings, KNOWN)
    config = push.channels["huawei"]
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("grid_api").info("settings %r %s %s", settings, push, config)
        logging.getLogger("grid_api").info(f"{config.app_secret}")
    assert "s3cr3t" not in caplog.text
    assert "s3cr3t" not in repr(settings) + repr(push) + str(config.app_secret)
    assert config.app_secret.reveal() == HUAWEI["HUAWEI_APP_SECRET"]
    assert config.app_id == "10086"
