"""A local stand-in for OPPO PUSH: the signed auth handshake (sha256 of app_key, timestamp
and master secret) and the batch unicast of notifications."""

from __future__ import annotations

import hashlib
import json
import secrets
import time

from devenv.fake_vendor import FakeVendor, Reply

MAX_MESSAGES, MAX_TITLE, MAX_CONTENT = 1000, 50, 200
SKEW_MS = 10 * 60 * 1000  # a signature over a timestamp further off than this is refused


class FakeOppo(FakeVendor):
    token_lifetime = 86400

    def __init__(self, app_key: str = "oppo-app-key",
                 master_secret: str = "oppo-master-secret",
                 channel_id: str = "case_updates") -> None:
        super().__init__()
        self.app_key, self.master_secret, self.channel_id = app_key, master_secret, channel_id

    def handle(self, method: str, path: str, query, headers, raw: bytes) -> Reply:
        form = self.form(raw)
        if path == "/server/v1/auth":
            return self.auth(form)
        if path == "/server/v1/message/notification/unicast_batch":
            return self.unicast_batch(form)
        return 404, {"code": 12, "message": "Http Action Not Allowed"}, {}

    def auth(self, form: dict[str, str]) -> Reply:
        timestamp = form.get("timestamp", "")
        expected = hashlib.sha256(
            f"{self.app_key}{timestamp}{self.master_secret}".encode()).hexdigest()
        if form.get("app_key") != self.app_key:
            return 200, {"code": 14, "message": "Invalid AppKey"}, {}
        fresh = timestamp.isdigit() and abs(int(timestamp) - time.time() * 1000) < SKEW_MS
        if form.get("sign") != expected or not fresh:
            return 200, {"code": 15, "message": "Invalid Sign"}, {}
        return 200, {"code": 0, "message": "Success", "data": {
            "auth_token": self.issue_token(), "create_time": int(time.time() * 1000)}}, {}

    def unicast_batch(self, form: dict[str, str]) -> Reply:
        if not self.token_valid(form.get("auth_token")):
            return 200, {"code": 11, "message": "Invalid AuthToken"}, {}
        messages = json.loads(form.get("messages") or "[]")
        self.record(messages=messages)
        if not 0 < len(messages) <= MAX_MESSAGES:
            return 200, {"code": 28, "message": "messages must hold 1 to 1000"}, {}
        for message in messages:
            problem = self.check(message.get("notification") or {})
            if problem:
                return 200, {"code": 28, "message": problem}, {}
        trouble = self.trouble()
        if trouble == "fail":
            return 200, {"code": -1, "message": "Service Currently Unavailable"}, {}
        if trouble == "throttle":
            return 200, {"code": -2, "message": "Service in Flow Control"}, {}
        if trouble == "quota":
            return 200, {"code": 13, "message": "App Call Limited"}, {}
        data = []
        for message in messages:
            regid = message["target_value"]
            item = {"messageId": f"oppo-{secrets.token_hex(6)}", "registrationId": regid}
            if regid.startswith("dead-"):
                item |= {"errorCode": 10000, "errorMessage": "Invalid Registration_id"}
            else:
                self.accept([regid])
            data.append(item)
        return 200, {"code": 0, "message": "", "data": data}, {}

    def check(self, notification: dict) -> str | None:
        if not 0 < len(notification.get("title") or "") <= MAX_TITLE:
            return "title 缺失或过长"
        if not 0 < len(notification.get("content") or "") <= MAX_CONTENT:
            return "content 缺失或过长"
        if notification.get("channel_id") != self.channel_id:
            return "channel_id 不是已登记的私信通道"
        return None
