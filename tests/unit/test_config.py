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


S3 = {"STORAGE_BACKEND": "s3", "S3_ENDPOINT_URL": "http://127.0.0.1:8333",
      "S3_BUCKET": "grid-media", "S3_ACCESS_KEY_ID": "key", "S3_SECRET_ACCESS_KEY": "secret"}


def test_storage_is_local_disk_unless_s3_is_chosen():
    assert Settings.from_env({}).storage_backend == "local"
    settings = Settings.from_env({**S3, "S3_ADDRESSING_STYLE": "virtual",
                                  "S3_URL_SECONDS": "60"})
    assert (settings.storage_backend, settings.s3_addressing_style,
            settings.s3_url_seconds) == ("s3", "virtual", 60)


@pytest.mark.parametrize("missing", ["S3_ENDPOINT_URL", "S3_BUCKET", "S3_ACCESS_KEY_ID",
                                     "S3_SECRET_ACCESS_KEY"])
def test_s3_refuses_to_start_without_what_it_needs(missing):
    with pytest.raises(ConfigError, match=missing):
        Settings.from_env({name: value for name, value in S3.items() if name != missing})


@pytest.mark.parametrize(("name", "value"), [("STORAGE_BACKEND", "ftp"),
                                             ("S3_ADDRESSING_STYLE", "sideways"),
                                             ("S3_URL_SECONDS", "0")])
def test_bad_storage_settings_are_refused(name, value):
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({**S3, name: value})


@pytest.mark.parametrize("url", [
    "ftp://tiles.city.gov.cn/{z}/{x}/{y}.png",
    "https://tiles.city.gov.cn/{z}/{x}.png",
    "https://tiles.city.gov.cn/{z}/{x}/{y}.png; script-src *",
    "https://tiles.city.gov.cn/{z}/{x}/{y}.png,https://evil.example",
    "https://'self'/{z}/{x}/{y}",
    "/tiles/{z}/{x}/{y}.png",
])
def test_a_basemap_url_that_could_rewrite_the_consoles_policy_is_refused(url):
    with pytest.raises(ConfigError, match="BASEMAP_TILE_URL"):
        Settings.from_env({"BASEMAP_TILE_URL": url})


def test_an_intranet_basemap_url_is_taken():
    url = "http://10.1.2.3:8080/tiles/{z}/{x}/{y}.png?style=grey"
    assert Settings.from_env({"BASEMAP_TILE_URL": url}).basemap_tile_url == url
