"""vivo push: a signed handshake for an authToken (24 hours), then single or list pushes.

POST message/auth (appId, appKey, timestamp in ms, sign = md5(appId + appKey + timestamp
+ appSecret) in lower-case hex) answers ``authToken``, sent as the ``authToken`` header.
One device: POST message/send. More: POST message/saveListPayload (the message, once)
then message/pushToList (up to 1000 regIds), which lists ``invalidUsers``. ``result`` 0 is
success; 10000 the token refused, 10302 an invalid regId, 10070 the day's quota spent,
10072 too fast. ``classification`` 1 is vivo's system message class (operation messages,
0, are capped per user and day); ``category`` is its finer service class. The
``requestId`` is vivo's duplicate filter: the same for the same notification and devices.
"""

from __future__ import annotations

import hashlib
import time
import unicodedata
from typing import Any

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

ENDPOINT = "https://api-push.vivo.com.cn"
TOKEN_LIFETIME = 86400
TOKEN_REFUSED, INVALID_REG_ID, QUOTA_SPENT, TOO_FAST = 10000, 10302, 10070, 10072
TITLE_UNITS, CONTENT_UNITS = 40, 100  # a Chinese character counts two
CATEGORIES = ("IM", "ACCOUNT", "TODO", "DEVICE_REMINDER", "ORDER", "SUBSCRIPTION")
SYSTEM_MESSAGE = 1  # every notification here is about the user's own case
GONE = {1, 2}  # invalidUsers status: no such regId, app uninstalled or push turned off


def clip(text: str, units: int) -> str:
    """``text`` cut to vivo's length, wide characters counting two, with an ellipsis."""
    widths = [2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text]
    if sum(widths) <= units:
        return text
    kept, used = [], 0
    for char, width in zip(text, widths, strict=True):
        if used + width > units - 2:
            break
        kept.append(char)
        used += width
    return "".join(kept) + "…"


class VivoPush:
    name = "vivo"
    max_batch = 1000

    def __init__(self, config: ChannelConfig, timeout: float) -> None:
        self.config, self.timeout = config, timeout
        self.session = pooled_session()
        self.base = config.endpoint.rstrip("/")
        self.tokens = TokenCache(self._fetch_token)

    def _fetch_token(self) -> tuple[str, float]:
        timestamp = str(int(time.time() * 1000))
        plain = (f"{self.config.app_id}{self.config.app_key}{timestamp}"
                 f"{self.config.app_secret.reveal()}")
        sign = hashlib.md5(plain.encode()).hexdigest()  # noqa: S324 - vivo's signature
        response = self.session.post(f"{self.base}/message/auth", timeout=self.timeout, json={
            "appId": self.config.app_id, "appKey": self.config.app_key,
            "timestamp": timestamp, "sign": sign})
        body = response.json()
        if body.get("result") != 0:
            raise AuthFailed(f"vivo auth {body.get('result')}: {body.get('desc')}")
        return body["authToken"], float(TOKEN_LIFETIME)

    def send(self, message: Message, targets: list[Target]) -> list[Answer]:
        post = self._single if len(targets) == 1 else self._list
        return answered(targets, lambda: with_token(
            self.tokens, lambda token: post(token, message, targets)))

    def _single(self, token: str, message: Message, targets: list[Target]) -> list[Answer]:
        request_id = _request_id(message, targets)
        body = self.payload(message, request_id) | {"regId": targets[0].token}
        answer = self._post(token, "message/send", body)
        if isinstance(answer, Answer):
            return [answer]
        return [Answer(Outcome.delivered, message_id=answer.get("taskId"))]

    def _list(self, token: str, message: Message, targets: list[Target]) -> list[Answer]:
        request_id = _request_id(message, targets)
        saved = self._post(token, "message/saveListPayload", self.payload(message, request_id))
        if isinstance(saved, Answer):
            return every(targets, saved)
        pushed = self._post(token, "message/pushToList", {
            "appId": self.config.app_id, "regIds": [target.token for target in targets],
            "taskId": saved["taskId"], "requestId": request_id})
        if isinstance(pushed, Answer):
            return every(targets, pushed)
        invalid = {user["userid"]: user["status"] for user in pushed.get("invalidUsers") or []}
        return [_invalid_user(invalid[target.token]) if target.token in invalid
                else Answer(Outcome.delivered, message_id=saved["taskId"])
                for target in targets]

    def _post(self, token: str, path: str, body: dict[str, Any]) -> Answer | dict[str, Any]:
        """The answer's body on success, else the Answer every device of it gets."""
        response = self.session.post(f"{self.base}/{path}", json=body, timeout=self.timeout,
                                     headers={"authToken": token})
        if response.status_code >= 500:  # noqa: PLR2004
            return Answer(Outcome.retry, retry_after=retry_after(response),
                          detail=f"vivo: HTTP {response.status_code}")
        answer: dict[str, Any] = response.json()
        result, detail = answer.get("result"), f"vivo {answer.get('result')}: {answer.get('desc')}"
        if result == 0:
            return answer
        if result == TOKEN_REFUSED:
            raise TokenExpired(detail)
        if result == INVALID_REG_ID:
            return Answer(Outcome.dead, detail=detail)
        if result == QUOTA_SPENT:
            return Answer(Outcome.quota, reset_at=next_vendor_day(), detail=detail)
        if result == TOO_FAST:
            return Answer(Outcome.retry, retry_after=retry_after(response), detail=detail)
        return Answer(Outcome.invalid, detail=detail)

    def payload(self, message: Message, request_id: str) -> dict[str, Any]:
        return {
            "appId": self.config.app_id, "requestId": request_id, "notifyType": 4,
            "title": clip(message.title, TITLE_UNITS),
            "content": clip(message.body, CONTENT_UNITS),
            "timeToLive": max(900, min(message.ttl_seconds, 7 * 86400)),
            "skipType": 4 if message.link else 1, "skipContent": message.link,
            "classification": SYSTEM_MESSAGE, "category": self.config.category,
            "clientCustomMap": message.data, "pushMode": 0,
        }


def _request_id(message: Message, targets: list[Target]) -> str:
    devices = hashlib.sha1(",".join(t.token for t in targets).encode()).hexdigest()[:20]  # noqa: S324
    return f"{message.notification_id}-{devices}"


def _invalid_user(status: int) -> Answer:
    outcome = Outcome.dead if status in GONE else Outcome.invalid
    return Answer(outcome, detail=f"vivo invalid user, status {status}")


CHANNELS = (
    Channel("vivo", "vivo push", (
        Var("VIVO_APP_ID", "app_id"),
        Var("VIVO_APP_KEY", "app_key"),
        Var("VIVO_APP_SECRET", "app_secret", secret=True),
        Var("VIVO_CATEGORY", "category", required=False, default="TODO", choices=CATEGORIES),
        Var("VIVO_ENDPOINT", "endpoint", required=False, default=ENDPOINT),
    ), VivoPush),
)
