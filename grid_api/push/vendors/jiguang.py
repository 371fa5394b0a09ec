"""JPush (极光) through its official SDK (``jpush``): HTTP Basic auth with the AppKey and
Master Secret, the batch single push by registration id (one cid per device, so every
device gets its own answer), and the vendor channels JPush holds on the phone, each told
our message class (``options.third_party_channel``).

Request-wide errors: 401 (1004) our keys refused, 429 (2002) too many calls, with
``X-Rate-Limit-Reset`` seconds to wait, 2005 the app's sending volume capped, 1000/1030
and 5xx their trouble. Per device: 1011 no such registration id.
"""

from __future__ import annotations

from typing import Any

import jpush
from jpush import common
from jpush.push.core import Push
from requests.adapters import HTTPAdapter

from grid_api.push.http import POOL_SIZE, AuthFailed, answered, next_vendor_day
from grid_api.push.interface import Answer, Message, Outcome, Target, every
from grid_api.push.settings import ChannelConfig, Var
from grid_api.push.vendors import Channel

NO_SUCH_DEVICE, TOO_FAST, VOLUME_CAPPED = 1011, 2002, 2005
THEIR_TROUBLE = {1000, 1030}
SYSTEM_MESSAGE = 1  # options.classification: 0 operation, 1 system


class _BatchPush(Push):
    """The SDK's push, keeping the cids it fetched: its batch answer is keyed by cid and
    the cids pair with the payloads by position."""

    cids: list[str]

    def get_cid(self, count, type=None):
        response = super().get_cid(count, type)
        self.cids = response.payload["cidlist"]
        return response


def _zone(endpoint: str) -> str:
    """The SDK's zone for a base URL other than its own (a local fake)."""
    if not endpoint:
        return "default"
    zone = f"LOCAL:{endpoint}".upper()
    base = endpoint.rstrip("/")
    common.ZONES[zone] = {"PUSH": f"{base}/v3/", "REPORT": f"{base}/v3/report/",
                          "DEVICE": f"{base}/v3/devices/", "ALIAS": f"{base}/v3/aliases/",
                          "TAG": f"{base}/v3/tags/", "SCHEDULE": f"{base}/v3/schedules/",
                          "ADMIN": f"{base}/v1/"}
    return zone


class JPushChannel:
    name = "jpush"
    max_batch = 1000

    def __init__(self, config: ChannelConfig, timeout: float) -> None:
        self.config = config
        self.client = jpush.JPush(config.app_key, config.master_secret.reveal(),
                                  timeout=timeout, zone=_zone(config.endpoint))
        adapter = HTTPAdapter(pool_maxsize=POOL_SIZE, max_retries=0)
        self.client.session.mount("https://", adapter)
        self.client.session.mount("http://", adapter)

    def send(self, message: Message, targets: list[Target]) -> list[Answer]:
        return answered(targets, lambda: self._send(message, targets))

    def _send(self, message: Message, targets: list[Target]) -> list[Answer]:
        push = _BatchPush(self.client)
        try:
            response = push.batch_push_by_regid(
                [self.single(message, target) for target in targets])
        except common.Unauthorized as exc:
            raise AuthFailed("jpush: AppKey or Master Secret refused") from exc
        except common.JPushFailure as failure:
            return every(targets, _failure(failure))
        except (common.APIConnectionException, common.APIRequestException) as exc:
            return every(targets, Answer(Outcome.retry, detail=f"jpush: {exc.value}"))
        results = response.payload
        return [_result(results.get(cid)) for cid in push.cids[:len(targets)]]

    def single(self, message: Message, target: Target) -> dict[str, Any]:
        extras = dict(message.data)
        intent = {"url": message.link} if message.link else None
        android = {"alert": message.body, "title": message.title, "extras": extras}
        hmos = {"alert": message.body, "title": message.title, "extras": extras,
                "category": self.config.harmony_category,
                "intent": intent or {"url": "action.system.home"}}
        if intent:
            android["intent"] = intent
        return {
            "platform": "all", "target": target.token,
            "notification": {
                "android": android, "hmos": hmos,
                "ios": {"alert": {"title": message.title, "body": message.body},
                        "extras": extras, "sound": "default"}},
            "options": {"time_to_live": message.ttl_seconds, "classification": SYSTEM_MESSAGE,
                        "apns_collapse_id": message.collapse_key[:64],
                        "third_party_channel": self.vendor_channels()},
        }

    def vendor_channels(self) -> dict[str, dict[str, Any]]:
        """Our message class in each vendor channel JPush hands the message to."""
        first = "first_ospush"  # the phone maker's channel first: it reaches a closed app
        channels: dict[str, dict[str, Any]] = {
            "huawei": {"distribution": first, "importance": "NORMAL",
                       "category": self.config.huawei_category},
            "vivo": {"distribution": first, "classification": SYSTEM_MESSAGE,
                     "category": self.config.vivo_category},
            "oppo": {"distribution": first, "category": self.config.oppo_category,
                     "notify_level": 2},
            "xiaomi": {"distribution": first},
        }
        if self.config.xiaomi_channel_id:
            channels["xiaomi"]["channel_id"] = self.config.xiaomi_channel_id
        if self.config.oppo_channel_id:
            channels["oppo"]["channel_id"] = self.config.oppo_channel_id
        return channels


def _failure(failure: common.JPushFailure) -> Answer:
    code = failure.error_code
    detail = f"jpush {code}: {failure.details}"
    response = failure.response
    if code == TOO_FAST:
        reset = response.headers.get("X-Rate-Limit-Reset") if response is not None else None
        return Answer(Outcome.retry, retry_after=float(reset) if reset else None,
                      detail=detail)
    if code == VOLUME_CAPPED:
        return Answer(Outcome.quota, reset_at=next_vendor_day(), detail=detail)
    if code in THEIR_TROUBLE or (response is not None and response.status_code >= 500):  # noqa: PLR2004
        return Answer(Outcome.retry, detail=detail)
    return Answer(Outcome.invalid, detail=detail)


def _result(result: dict[str, Any] | None) -> Answer:
    if not result:
        return Answer(Outcome.retry, detail="jpush: no result for this cid")
    if "msg_id" in result:
        return Answer(Outcome.delivered, message_id=str(result["msg_id"]))
    error = result.get("error") or {}
    detail = f"jpush {error.get('code')}: {error.get('message')}"
    if error.get("code") == NO_SUCH_DEVICE:
        return Answer(Outcome.dead, detail=detail)
    if error.get("code") in THEIR_TROUBLE:
        return Answer(Outcome.retry, detail=detail)
    return Answer(Outcome.invalid, detail=detail)


CHANNELS = (
    Channel("jpush", "JPush (极光推送)", (
        Var("JPUSH_APP_KEY", "app_key"),
        Var("JPUSH_MASTER_SECRET", "master_secret", secret=True),
        Var("JPUSH_ENDPOINT", "endpoint", required=False),
        # Our message class in the vendor channels JPush holds (as for the direct ones).
        Var("JPUSH_HUAWEI_CATEGORY", "huawei_category", required=False, default="WORK"),
        Var("JPUSH_HARMONY_CATEGORY", "harmony_category", required=False, default="WORK"),
        Var("JPUSH_VIVO_CATEGORY", "vivo_category", required=False, default="TODO"),
        Var("JPUSH_OPPO_CATEGORY", "oppo_category", required=False, default="TODO"),
        Var("JPUSH_OPPO_CHANNEL_ID", "oppo_channel_id", required=False),
        Var("JPUSH_XIAOMI_CHANNEL_ID", "xiaomi_channel_id", required=False),
    ), JPushChannel),
)
