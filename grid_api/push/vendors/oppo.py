"""OPPO PUSH: a signed handshake for an auth_token (24 hours), then the batch unicast.

POST server/v1/auth (app_key, timestamp in ms, sign = sha256(app_key + timestamp +
master_secret) in hex) answers ``data.auth_token``; POST
server/v1/message/notification/unicast_batch (``auth_token``, ``messages``: up to 1000
single messages) answers per message ``messageId`` or ``errorCode`` (10000: not a valid
registration id). Request-wide codes: 11 token invalid, -1 unavailable, -2 flow control,
13 the app's calls are capped for the day. A notification goes out in the app's private
channel (``channel_id``) with OPPO's service ``category`` and ``notify_level``.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

import requests

from grid_api.push.http import (
    AuthFailed,
    TokenCache,
    TokenExpired,
    answered,
    next_vendor_day,
    pooled_session,
    retry_after,
    with_token,
)
from grid_api.push.interface import Answer, Message, Outcome, Target, every
from grid_api.push.settings import ChannelConfig, Var
from grid_api.push.vendors import Channel

ENDPOINT = "https://api.push.oppomobile.com"
TOKEN_LIFETIME = 86400
INVALID_REGISTRATION = 10000
TOKEN_INVALID, UNAVAILABLE, FLOW_CONTROL, CALLS_CAPPED = 11, -1, -2, 13
CATEGORIES = ("IM", "ACCOUNT", "DEVICE_REMINDER", "ORDER", "TODO", "SUBSCRIPTION")


class OppoPush:
    name = "oppo"
    max_batch = 1000

    def __init__(self, config: ChannelConfig, timeout: float) -> None:
        self.config, self.timeout = config, timeout
        self.session = pooled_session()
        self.base = f"{config.endpoint.rstrip('/')}/server/v1"
        self.tokens = TokenCache(self._fetch_token)

    def _fetch_token(self) -> tuple[str, float]:
        timestamp = str(int(time.time() * 1000))
        sign = hashlib.sha256(f"{self.config.app_key}{timestamp}"
                              f"{self.config.master_secret.reveal()}".encode()).hexdigest()
        response = self.session.post(f"{self.base}/auth", timeout=self.timeout, data={
            "app_key": self.config.app_key, "timestamp": timestamp, "sign": sign})
        body = response.json()
        if body.get("code") != 0:
            raise AuthFailed(f"oppo auth {body.get('code')}: {body.get('message')}")
        return body["data"]["auth_token"], float(TOKEN_LIFETIME)

    def send(self, message: Message, targets: list[Target]) -> list[Answer]:
        messages = json.dumps([self.single(message, target) for target in targets],
                              ensure_ascii=False)

        def post(token: str) -> list[Answer]:
            response = self.session.post(
                f"{self.base}/message/notification/unicast_batch", timeout=self.timeout,
                data={"auth_token": token, "messages": messages})
            return self.read(response, targets)

        return answered(targets, lambda: with_token(self.tokens, post))

    def single(self, message: Message, target: Target) -> dict[str, Any]:
        notification = {
            "title": message.title, "content": message.body,
            "click_action_type": 5 if message.link else 0,
            "action_parameters": json.dumps(message.data, ensure_ascii=False),
            "off_line": True, "off_line_ttl": message.ttl_seconds,
            "channel_id": self.config.channel_id, "category": self.config.category,
            "notify_level": self.config.notify_level,
        }
        if message.link:
            notification["click_action_url"] = message.link
        return {"target_type": 2, "target_value": target.token, "notification": notification}

    @staticmethod
    def read(response: requests.Response, targets: list[Target]) -> list[Answer]:
        if response.status_code >= 500:  # noqa: PLR2004
            return every(targets, Answer(Outcome.retry, retry_after=retry_after(response),
                                         detail=f"oppo: HTTP {response.status_code}"))
        body: dict[str, Any] = response.json()
        code, detail = body.get("code"), f"oppo {body.get('code')}: {body.get('message')}"
        if code == TOKEN_INVALID:
            raise TokenExpired(detail)
        if code in (UNAVAILABLE, FLOW_CONTROL):
            return every(targets, Answer(Outcome.retry, retry_after=retry_after(response),
                                         detail=detail))
        if code == CALLS_CAPPED:
            return every(targets, Answer(Outcome.quota, reset_at=next_vendor_day(),
                                         detail=detail))
        if code != 0:
            return every(targets, Answer(Outcome.invalid, detail=detail))
        results = {item.get("registrationId"): item for item in body.get("data") or []}
        return [_item(results.get(target.token)) for target in targets]


def _item(result: dict[str, Any] | None) -> Answer:
    if result is None:
        return Answer(Outcome.retry, detail="oppo: no result for this registration id")
    error = result.get("errorCode")
    if error in (None, 0):
        return Answer(Outcome.delivered, message_id=result.get("messageId"))
    detail = f"oppo {error}: {result.get('errorMessage')}"
    return Answer(Outcome.dead if error == INVALID_REGISTRATION else Outcome.invalid,
                  detail=detail)


CHANNELS = (
    Channel("oppo", "OPPO PUSH", (
        Var("OPPO_APP_KEY", "app_key"),
        Var("OPPO_MASTER_SECRET", "master_secret", secret=True),
        Var("OPPO_CHANNEL_ID", "channel_id"),
        Var("OPPO_CATEGORY", "category", required=False, default="TODO", choices=CATEGORIES),
        Var("OPPO_NOTIFY_LEVEL", "notify_level", required=False, default="2",
            choices=("1", "2", "16"), integer=True),
        Var("OPPO_ENDPOINT", "endpoint", required=False, default=ENDPOINT),
    ), OppoPush),
)
