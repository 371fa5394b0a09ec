"""Settings come from the environment and refuse unsafe production setups."""

import pytest

from grid_api.config import ConfigError, Settings


def test_defaults():
    settings = Settings.from_env({})
    assert settings.env == "development"
    assert settings.default_locale == "zh-CN"


def test_production_refuses_the_default_secret():
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        Settings.from_env({"GRID_ENV": "production"})


def test_production_refuses_a_short_secret():
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        Settings.from_env({"GRID_ENV": "production", "SECRET_KEY": "short"})


def test_production_with_a_real_secret():
    settings = Settings.from_env({"GRID_ENV": "production", "SECRET_KEY": "k" * 40})
    assert settings.production


def test_bad_integer_is_reported_by_name():
    with pytest.raises(ConfigError, match="DB_POOL_SIZE"):
        Settings.from_env({"DB_POOL_SIZE": "many"})


@pytest.mark.parametrize(("value", "expected"), [(None, False), ("true", True), ("0", False)])
def test_auto_close_after_verification_is_off_unless_asked_for(value, expected):
    env = {} if value is None else {"AUTO_CLOSE_VERIFIED": value}
    assert Settings.from_env(env).auto_close_verified is expected
