"""Xiaomi MiPush: POST v3/message/regid with ``Authorization: key=<AppSecret>`` (a fixed key:
no token to fetch), form-encoded, up to 1000 regIds per request.

The answer is ``{"result": "ok", "code": 0, "data": {"id": …, "bad_regids": "a,b"}}`` or
``{"result": "error", "code": …, "description": …}``. A notification is sent in the app's
private-message channel (``extra.channel_id``): the class Xiaomi lets through for messages
about the user's own business, where public (marketing) channels are capped per day.
"""

from __future__ import annotations

import json
from typing import Any

import requests

from grid_api.push.http import AuthFailed, answered, next_vendor_day, pooled_session, retry_after
from grid_api.push.interface import Answer, Message, Outcome, Target, every
from grid_api.push.settings import ChannelConfig, Var
from grid_api.push.vendors import Channel

ENDPOINT = "https://api.xmpush.xiaomi.com"
AUTH_FAILED = {21301}
TOO_FAST = {10022, 10023}  # requests per IP / per app over the limit
QUOTA_SPENT = {200002}  # the day's message quota of the app is spent
THEIR_TROUBLE = {10001, 10002, 10009, 10021}  # system error, paused, busy, internal


class XiaomiPush:
    name = "xiaomi"
    max_batch = 1000

    def __init__(self, config: ChannelConfig, timeout: float) -> None:
        self.config, self.timeout = config, timeout
        self.session = pooled_session()
        self.url = f"{config.endpoint.rstrip('/')}/v3/message/regid"

    def send(self, message: Message, targets: list[Target]) -> list[Answer]:
        def post() -> list[Answer]:
            response = self.session.post(
                self.url, data=self.form(message, targets), timeout=self.timeout,
                headers={"Authorization": f"key={self.config.app_secret.reveal()}"})
            return self.read(response, targets)

        return answered(targets, post)

    def form(self, message: Message, targets: list[Target]) -> dict[str, str]:
        form = {
            "registration_id": ",".join(target.token for target in targets),
            "restricted_package_name": self.config.package_name,
            "title": message.title, "description": message.body,
            "payload": json.dumps(message.data, ensure_ascii=False),
            "pass_through": "0", "notify_type": "-1", "notify_id": str(message.notify_id),
            "time_to_live": str(message.ttl_seconds * 1000),
            "extra.channel_id": self.config.channel_id,
            "extra.notify_effect": "1",
        }
        if message.link:
            form |= {"extra.notify_effect": "2", "extra.intent_uri": message.link}
        return form

    @staticmethod
    def read(response: requests.Response, targets: list[Target]) -> list[Answer]:
        if response.status_code >= 500:  # noqa: PLR2004
            return every(targets, Answer(Outcome.retry, retry_after=retry_after(response),
                                         detail=f"xiaomi: HTTP {response.status_code}"))
        body: dict[str, Any] = response.json()
        code, detail = body.get("code"), f"xiaomi {body.get('code')}: {body.get('description')}"
        if body.get("result") == "ok" and code == 0:
            bad = set(filter(None, str((body.get("data") or {}).get("bad_regids", "")).split(",")))
            message_id = (body.get("data") or {}).get("id")
            return [Answer(Outcome.dead, detail="xiaomi: bad regid") if target.token in bad
                    else Answer(Outcome.delivered, message_id=message_id) for target in targets]
        if code in AUTH_FAILED:
            raise AuthFailed(detail)
        if code in TOO_FAST or code in THEIR_TROUBLE:
            return every(targets, Answer(Outcome.retry, retry_after=retry_after(response),
                                         detail=detail))
        if code in QUOTA_SPENT:
            return every(targets, Answer(Outcome.quota, reset_at=next_vendor_day(),
                                         detail=detail))
        return every(targets, Answer(Outcome.invalid, detail=detail))


CHANNELS = (
    Channel("xiaomi", "Xiaomi MiPush", (
        Var("XIAOMI_APP_SECRET", "app_secret", secret=True),
        Var("XIAOMI_PACKAGE_NAME", "package_name"),
        Var("XIAOMI_CHANNEL_ID", "channel_id"),
        Var("XIAOMI_ENDPOINT", "endpoint", required=False, default=ENDPOINT),
    ), XiaomiPush),
)
