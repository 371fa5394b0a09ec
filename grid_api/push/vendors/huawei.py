"""Huawei Push Kit: Android phones with HMS (REST v1, OAuth 2.0 client credentials) and
HarmonyOS NEXT phones (REST v3, a service-account JWT signed here).

v1: POST oauth2/v3/token (grant_type=client_credentials) gives an access token for
``expires_in`` seconds; POST v1/{appId}/messages:send with ``Authorization: Bearer``.
v3: the token is a PS256 JWT (kid = key_id, iss = sub_account, aud = the token URL, an
hour long) over the service-account key file; POST v3/{projectId}/messages:send with
``push-type: 0`` (a notification). Both answer a ``code``: 80000000 all sent, 80100000
some tokens illegal (listed in ``msg``), 80300007 every token illegal, 802000xx our token
refused or expired, 81000001 and HTTP 5xx their trouble, HTTP 503 flow control.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import jwt
import requests

from grid_api.push.http import (
    AuthFailed,
    TokenCache,
    TokenExpired,
    answered,
    pooled_session,
    retry_after,
    with_token,
)
from grid_api.push.interface import Answer, Message, Outcome, Target, every
from grid_api.push.settings import ChannelConfig, Var
from grid_api.push.vendors import Channel

TOKEN_URL = "https://oauth-login.cloud.huawei.com/oauth2/v3/token"  # noqa: S105 - a URL
PUSH_URL = "https://push-api.cloud.huawei.com"
# Huawei's self-classification: service and communication classes (MARKETING and the
# unclassified are the throttled ones). A case's progress is WORK unless a city says so.
CATEGORIES = ("IM", "VOIP", "SUBSCRIPTION", "TRAVEL", "HEALTH", "WORK", "ACCOUNT", "EXPRESS",
              "FINANCE", "DEVICE_REMINDER", "MAIL")
SENT, PARTLY_SENT, ALL_ILLEGAL, INTERNAL = "80000000", "80100000", "80300007", "81000001"
V1_TOKEN_REFUSED = {"80200001", "80200003"}  # authentication error, OAuth token expired
V3_TOKEN_REFUSED = {"80200001", "80200005"}  # authentication error, JWT expired
JWT_LIFETIME = 3600


class HuaweiPush:
    """Push Kit REST v1 for Android phones with HMS Core."""

    name = "huawei"
    max_batch = 1000

    def __init__(self, config: ChannelConfig, timeout: float) -> None:
        self.config, self.timeout = config, timeout
        self.session = pooled_session()
        self.url = f"{config.push_url.rstrip('/')}/v1/{config.app_id}/messages:send"
        self.tokens = TokenCache(self._fetch_token)

    def _fetch_token(self) -> tuple[str, float]:
        response = self.session.post(self.config.token_url, timeout=self.timeout, data={
            "grant_type": "client_credentials", "client_id": self.config.app_id,
            "client_secret": self.config.app_secret.reveal()})
        if response.status_code != 200:  # noqa: PLR2004
            body = _json(response)
            raise AuthFailed(f"huawei token: HTTP {response.status_code} "
                             f"{body.get('error')} {body.get('error_description', '')}")
        body = response.json()
        return body["access_token"], float(body["expires_in"])

    def send(self, message: Message, targets: list[Target]) -> list[Answer]:
        def post(token: str) -> list[Answer]:
            response = self.session.post(self.url, json=self.body(message, targets),
                                         headers={"Authorization": f"Bearer {token}"},
                                         timeout=self.timeout)
            return read_answer(response, targets, V1_TOKEN_REFUSED)

        return answered(targets, lambda: with_token(self.tokens, post))

    def body(self, message: Message, targets: list[Target]) -> dict[str, Any]:
        click = {"type": 1, "intent": message.link} if message.link else {"type": 3}
        return {"validate_only": False, "message": {
            "android": {
                "ttl": f"{message.ttl_seconds}s", "bi_tag": str(message.notification_id),
                "category": self.config.category,
                "notification": {"title": message.title, "body": message.body,
                                 "tag": message.collapse_key, "click_action": click,
                                 # NORMAL: a service or communication message (LOW is marketing).
                                 "importance": "NORMAL"}},
            "token": [target.token for target in targets]}}


class HarmonyPush:
    """Push Kit REST v3 for HarmonyOS NEXT (HarmonyOS 5 and later)."""

    name = "harmony"
    max_batch = 1000

    def __init__(self, config: ChannelConfig, timeout: float) -> None:
        self.config, self.timeout = config, timeout
        account = json.loads(Path(config.service_account_file).read_text())
        self.key_id, self.issuer = account["key_id"], account["sub_account"]
        self.private_key = account["private_key"]
        project = config.project_id or account["project_id"]
        self.session = pooled_session()
        self.url = f"{config.push_url.rstrip('/')}/v3/{project}/messages:send"
        self.tokens = TokenCache(self._sign)

    def _sign(self) -> tuple[str, float]:
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": TOKEN_URL, "iat": now, "exp": now + JWT_LIFETIME}
        token = jwt.encode(claims, self.private_key, algorithm="PS256",
                           headers={"kid": self.key_id, "typ": "JWT"})
        return token, float(JWT_LIFETIME)

    def send(self, message: Message, targets: list[Target]) -> list[Answer]:
        def post(token: str) -> list[Answer]:
            response = self.session.post(
                self.url, json=self.body(message, targets), timeout=self.timeout,
                headers={"Authorization": f"Bearer {token}", "push-type": "0"})
            return read_answer(response, targets, V3_TOKEN_REFUSED)

        return answered(targets, lambda: with_token(self.tokens, post))

    def body(self, message: Message, targets: list[Target]) -> dict[str, Any]:
        click = {"actionType": 1, "uri": message.link} if message.link else {"actionType": 0}
        return {
            "payload": {"notification": {
                "category": self.config.category, "title": message.title,
                "body": message.body, "notifyId": message.notify_id, "clickAction": click}},
            "target": {"token": [target.token for target in targets]},
            "pushOptions": {"ttl": message.ttl_seconds,
                            "biTag": str(message.notification_id)}}


def read_answer(response: requests.Response, targets: list[Target],
                token_refused: set[str]) -> list[Answer]:
    """One answer per target from a messages:send response (v1 and v3 speak alike).
    Raises TokenExpired when our access token was refused."""
    if response.status_code == 503:  # noqa: PLR2004 - flow control
        return every(targets, Answer(Outcome.retry, retry_after=retry_after(response),
                                     detail="huawei: HTTP 503 flow control"))
    body = _json(response)
    code, detail = str(body.get("code", "")), f"huawei {body.get('code')}: {body.get('msg')}"
    if code in token_refused:
        raise TokenExpired(detail)
    if code == SENT:
        return every(targets, Answer(Outcome.delivered, message_id=body.get("requestId")))
    if code == PARTLY_SENT:
        illegal = set(json.loads(body["msg"]).get("illegal_tokens", []))
        return [Answer(Outcome.dead, detail=detail) if target.token in illegal
                else Answer(Outcome.delivered, message_id=body.get("requestId"))
                for target in targets]
    if code == ALL_ILLEGAL:
        return every(targets, Answer(Outcome.dead, detail=detail))
    if code == INTERNAL or response.status_code >= 500:  # noqa: PLR2004
        return every(targets, Answer(Outcome.retry, retry_after=retry_after(response),
                                     detail=detail))
    return every(targets, Answer(Outcome.invalid, detail=detail))


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {"code": f"HTTP {response.status_code}"}
    return body if isinstance(body, dict) else {}


CHANNELS = (
    Channel("huawei", "Huawei Push Kit (Android, HMS)", (
        Var("HUAWEI_APP_ID", "app_id"),
        Var("HUAWEI_APP_SECRET", "app_secret", secret=True),
        Var("HUAWEI_CATEGORY", "category", required=False, default="WORK",
            choices=CATEGORIES),
        Var("HUAWEI_TOKEN_URL", "token_url", required=False, default=TOKEN_URL),
        Var("HUAWEI_PUSH_URL", "push_url", required=False, default=PUSH_URL),
    ), HuaweiPush),
    Channel("harmony", "Huawei Push Kit (HarmonyOS NEXT)", (
        Var("HARMONY_SERVICE_ACCOUNT_FILE", "service_account_file"),
        Var("HARMONY_PROJECT_ID", "project_id", required=False),
        Var("HARMONY_CATEGORY", "category", required=False, default="WORK",
            choices=CATEGORIES),
        Var("HARMONY_PUSH_URL", "push_url", required=False, default=PUSH_URL),
    ), HarmonyPush),
)
