"""The push channels' local fakes started and our clients pointed at them (tests, bench)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from devenv.fake_fcm import FakeFcm
from devenv.fake_huawei import FakeHuawei
from devenv.fake_jpush import FakeJPush
from devenv.fake_oppo import FakeOppo
from devenv.fake_vivo import FakeVivo
from devenv.fake_xiaomi import FakeXiaomi
from grid_api.push import channels, settings
from grid_api.push.vendors import channels as known


def service_account(directory: Path) -> tuple[Path, dict[str, str]]:
    """A HarmonyOS service-account key file, and what the fake checks its JWTs with."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    path = directory / "harmony-service-account.json"
    path.write_text(json.dumps({"project_id": "388421841221", "key_id": "key-1",
                                "sub_account": "sub-1", "private_key": private}))
    return path, {"key_id": "key-1", "sub_account": "sub-1", "public_key": public}


def start(name: str, account: dict[str, str] | None = None) -> Any:
    """A fake of channel ``name`` with the credentials of ``env``."""
    if name == "fcm":
        return FakeFcm()
    if name in ("huawei", "harmony"):
        return FakeHuawei(account=account)
    return {"xiaomi": FakeXiaomi, "oppo": FakeOppo, "vivo": FakeVivo,
            "jpush": FakeJPush}[name]()


def env(name: str, url: str, account_file: Path | None = None) -> dict[str, str]:
    """The variables that point channel ``name`` at a fake listening on ``url``."""
    return {
        "fcm": {"FCM_PROJECT_ID": "grid-test", "FCM_ENDPOINT": url},
        "huawei": {"HUAWEI_APP_ID": "10086", "HUAWEI_APP_SECRET": "huawei-app-secret",
                   "HUAWEI_TOKEN_URL": f"{url}/oauth2/v3/token", "HUAWEI_PUSH_URL": url},
        "harmony": {"HARMONY_SERVICE_ACCOUNT_FILE": str(account_file),
                    "HARMONY_PUSH_URL": url},
        "xiaomi": {"XIAOMI_APP_SECRET": "xiaomi-app-secret",
                   "XIAOMI_PACKAGE_NAME": "org.gridapi.app",
                   "XIAOMI_CHANNEL_ID": "case_updates", "XIAOMI_ENDPOINT": url},
        "oppo": {"OPPO_APP_KEY": "oppo-app-key", "OPPO_MASTER_SECRET": "oppo-master-secret",
                 "OPPO_CHANNEL_ID": "case_updates", "OPPO_ENDPOINT": url},
        "vivo": {"VIVO_APP_ID": "10010", "VIVO_APP_KEY": "vivo-app-key",
                 "VIVO_APP_SECRET": "vivo-app-secret", "VIVO_ENDPOINT": url},
        "jpush": {"JPUSH_APP_KEY": "jpush-app-key",
                  "JPUSH_MASTER_SECRET": "jpush-master-secret", "JPUSH_ENDPOINT": url},
    }[name]


SECRETS = ("huawei-app-secret", "xiaomi-app-secret", "oppo-master-secret", "vivo-app-secret",
           "jpush-master-secret")


def provider(name: str, url: str, account_file: Path | None = None):
    """The real client of channel ``name``, talking to the fake on ``url``."""
    channel = known()[name]
    return channel.build(settings.read_channel(name, channel.variables,
                                               env(name, url, account_file)), 5.0)


def go_live(app, monkeypatch, order: tuple[str, ...], variables: dict[str, str]):
    """Make the worker push through ``order`` with ``variables``; returns its channels."""
    base = dataclasses.replace(app.config["GRID_SETTINGS"], push_backend="live",
                               push_providers=order, push_environment=variables)
    push = settings.load(base, {name: channel.variables for name, channel in known().items()})
    monkeypatch.setitem(app.extensions, "grid_push", push)
    return channels.for_settings(push)
