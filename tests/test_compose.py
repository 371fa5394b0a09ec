"""The container path never exposes the demo accounts: loopback only, no demo by default."""

from pathlib import Path

import yaml

COMPOSE = yaml.safe_load((Path(__file__).resolve().parents[1] / "docker-compose.yml")
                         .read_text())


def test_the_api_is_published_on_loopback_only():
    for name, service in COMPOSE["services"].items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), name


def test_the_demo_loads_only_when_asked_and_not_in_production_by_default():
    migrate = COMPOSE["services"]["migrate"]
    assert migrate["environment"]["GRID_ENV"] == "${GRID_ENV:-production}"
    assert migrate["environment"]["LOAD_DEMO"] == "${LOAD_DEMO:-0}"
    command = migrate["command"][-1]
    assert 'if [ "$$LOAD_DEMO" = 1 ]; then grid-api demo; fi' in command
