"""docker-compose.yml lays out the scaled system, with settings the app really reads."""

import re
from pathlib import Path

import yaml

from grid_api.config import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
NGINX = (ROOT / "devenv" / "compose" / "nginx.conf").read_text()
SETTINGS_SOURCE = (ROOT / "grid_api" / "config.py").read_text()
NOT_SETTINGS = {"LOAD_DEMO"}  # read by the migrate command line, not by the app


def _services(prefix: str) -> list[str]:
    return sorted(name for name in COMPOSE["services"] if re.fullmatch(rf"{prefix}-\d", name))


def _interpolate(value: str) -> str:
    """What compose makes of ``${NAME:-default}`` and of a required ``${NAME:?why}``."""
    value = re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)
    return re.sub(r"\$\{[A-Z_]+:\?[^}]*\}", "s" * 40, value)


def test_two_api_replicas_and_two_workers_behind_the_proxy():
    assert _services("api") == ["api-1", "api-2"]
    assert _services("worker") == ["worker-1", "worker-2"]
    assert {"db", "redis", "seaweedfs", "migrate", "proxy"} <= set(COMPOSE["services"])
    upstreams = re.findall(r"server (\S+):8000", NGINX)
    assert upstreams == _services("api")
    for worker in _services("worker"):
        assert COMPOSE["services"][worker]["command"] == ["python", "-m", "tasks.worker"]


def test_only_loopback_is_published():
    for name, service in COMPOSE["services"].items():
        for port in service.get("ports", []):
            assert port.startswith("127.0.0.1:"), name


def test_every_variable_is_a_setting_and_they_make_a_valid_configuration():
    env = COMPOSE["services"]["api-1"]["environment"]
    read = set(re.findall(r'"([A-Z][A-Z0-9_]+)"', SETTINGS_SOURCE))
    assert set(env) - NOT_SETTINGS <= read
    filled = {name: _interpolate(str(value)) for name, value in env.items()}
    settings = Settings.from_env(filled)
    assert (settings.storage_backend, settings.trusted_proxy_hops) == ("s3", 1)
    assert f"client_max_body_size {settings.max_content_length // 2**20}m" in NGINX
