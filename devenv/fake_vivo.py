"""A local stand-in for vivo push: the signed auth handshake (md5 of appId, appKey,
timestamp and appSecret), single sends, and list sends (saveListPayload, pushToList)."""

from __future__ import annotations

import hashlib
import json
import time
import unicodedata

from devenv.fake_vendor import FakeVendor, Reply

MAX_REGIDS, MAX_TITLE, MAX_CONTENT = 1000, 40, 100
SKEW_MS = 10 * 60 * 1000


def units(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


class FakeVivo(FakeVendor):
    token_lifetime = 86400

    def __init__(self, app_id: str = "10010", app_key: str = "vivo-app-key",
                 app_secret: str = "vivo-app-secret") -> None:
        super().__init__()
        self.app_id, self.app_key, self.app_secret = app_id, app_key, app_secret
        self.payloads: dict[str, dict] = {}
        self.request_ids: set[str] = set()

    def handle(self, method: str, path: str, query, headers, raw: bytes) -> Reply:
        body = json.loads(raw or b"{}")
        if path == "/message/auth":
            return self.auth(body)
        if not self.token_valid(headers.get("authToken")):
            return 200, {"result": 10000, "desc": "authToken 不合法或已过期"}, {}
        if str(body.get("appId")) != self.app_id:
            return 200, {"result": 10094, "desc": "appId 与鉴权信息不一致"}, {}
        if path == "/message/send":
            return self.send_one(body)
        if path == "/message/saveListPayload":
            return self.save_list_payload(body)
        if path == "/message/pushToList":
            return self.push_to_list(body)
        return 404, {"result": 10001, "desc": "not found"}, {}

    def auth(self, body: dict) -> Reply:
        timestamp = str(body.get("timestamp", ""))
        plain = f"{body.get('appId')}{body.get('appKey')}{timestamp}{self.app_secret}"
        fresh = timestamp.isdigit() and abs(int(timestamp) - time.time() * 1000) < SKEW_MS
        if (str(body.get("appId")) != self.app_id or body.get("appKey") != self.app_key
                or body.get("sign") != hashlib.md5(plain.encode()).hexdigest()  # noqa: S324
                or not fresh):
            return 200, {"result": 10200, "desc": "鉴权失败"}, {}
        return 200, {"result": 0, "desc": "请求成功", "authToken": self.issue_token()}, {}

    def check(self, body: dict) -> Reply | None:
        if not 0 < units(body.get("title") or "") <= MAX_TITLE:
            return 200, {"result": 10055, "desc": "title 不合法"}, {}
        if not 0 < units(body.get("content") or "") <= MAX_CONTENT:
            return 200, {"result": 10056, "desc": "content 不合法"}, {}
        if body.get("classification") not in (0, 1):
            return 200, {"result": 10097, "desc": "classification 不合法"}, {}
        trouble = self.trouble()
        if trouble == "fail":
            return 500, {"result": 10001, "desc": "Internet server error!"}, {}
        if trouble == "throttle":
            return 200, {"result": 10072, "desc": "发送速度过快"}, {}
        if trouble == "quota":
            return 200, {"result": 10070, "desc": "发送总量超出限制"}, {}
        return None

    def send_one(self, body: dict) -> Reply:
        self.record(path="send", body=body)
        refused = self.check(body)
        if refused:
            return refused
        if body["regId"].startswith("dead-"):
            return 200, {"result": 10302, "desc": "regId 不合法"}, {}
        if body.get("requestId") in self.request_ids:  # vivo drops a repeated requestId
            return 200, {"result": 0, "desc": "请求成功", "taskId": "repeat"}, {}
        self.request_ids.add(body.get("requestId"))
        self.accept([body["regId"]])
        return 200, {"result": 0, "desc": "请求成功", "taskId": f"t{len(self.received)}"}, {}

    def save_list_payload(self, body: dict) -> Reply:
        self.record(path="saveListPayload", body=body)
        refused = self.check(body)
        if refused:
            return refused
        task_id = f"task{len(self.received)}"
        with self.lock:
            self.payloads[task_id] = body
        return 200, {"result": 0, "desc": "请求成功", "taskId": task_id}, {}

    def push_to_list(self, body: dict) -> Reply:
        self.record(path="pushToList", body=body)
        regids = body.get("regIds") or []
        if not 2 <= len(regids) <= MAX_REGIDS or body.get("taskId") not in self.payloads:  # noqa: PLR2004
            return 200, {"result": 10050, "desc": "regIds 或 taskId 不合法"}, {}
        invalid = [{"userid": regid, "status": 1} for regid in regids
                   if regid.startswith("dead-")]
        gone = {user["userid"] for user in invalid}
        self.accept([regid for regid in regids if regid not in gone])
        return 200, {"result": 0, "desc": "请求成功", "taskId": body["taskId"],
                     "invalidUsers": invalid}, {}
