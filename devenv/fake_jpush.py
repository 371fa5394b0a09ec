"""A local stand-in for the JPush REST API v3 as its Python SDK uses it for batch single
pushes: HTTP Basic auth (AppKey:Master Secret), GET push/cid, POST push/batch/regid/single."""

from __future__ import annotations

import base64
import json
import secrets

from devenv.fake_vendor import FakeVendor, Reply

MAX_BATCH = 1000


class FakeJPush(FakeVendor):
    def __init__(self, app_key: str = "jpush-app-key",
                 master_secret: str = "jpush-master-secret") -> None:
        super().__init__()
        self.app_key, self.master_secret = app_key, master_secret
        self.cids: set[str] = set()

    def handle(self, method: str, path: str, query, headers, raw: bytes) -> Reply:
        expected = base64.b64encode(f"{self.app_key}:{self.master_secret}".encode()).decode()
        if headers.get("Authorization") != f"Basic {expected}":
            return 401, {"error": {"code": 1004, "message": "Authen failed"}}, {}
        if method == "GET" and path == "/v3/push/cid":
            count = int(query.get("count", ["1"])[0])
            cids = [f"{self.app_key}-{secrets.token_hex(8)}" for _ in range(count)]
            with self.lock:
                self.cids.update(cids)
            return 200, {"cidlist": cids}, {}
        if method == "POST" and path == "/v3/push/batch/regid/single":
            return self.batch(json.loads(raw))
        return 404, {"error": {"code": 1001, "message": "not found"}}, {}

    def batch(self, body: dict) -> Reply:
        pushlist = body.get("pushlist") or {}
        self.record(pushlist=pushlist)
        if not 0 < len(pushlist) <= MAX_BATCH:
            return 400, {"error": {"code": 1003, "message": "pushlist size invalid"}}, {}
        trouble = self.trouble()
        if trouble == "fail":
            return 500, {"error": {"code": 1000, "message": "Server Error"}}, {}
        if trouble == "throttle":
            return 429, {"error": {"code": 2002, "message": "Rate limit exceeded"}}, {
                "X-Rate-Limit-Limit": "600", "X-Rate-Limit-Remaining": "0",
                "X-Rate-Limit-Reset": str(self.throttle_seconds)}
        if trouble == "quota":
            return 400, {"error": {"code": 2005, "message": "信息发送量超出合理范围"}}, {}
        return 200, {cid: self.single(cid, push) for cid, push in pushlist.items()}, {}

    def single(self, cid: str, push: dict) -> dict:
        with self.lock:
            known = cid in self.cids
            self.cids.discard(cid)  # a cid sends once
        if not known:
            return {"error": {"code": 1003, "message": "cid invalid"}}
        target = push.get("target", "")
        android = (push.get("notification") or {}).get("android") or {}
        if not android.get("alert"):
            return {"error": {"code": 1003, "message": "notification invalid"}}
        if target.startswith("dead-"):
            return {"error": {"code": 1011, "message": "cannot find user by this audience"}}
        self.accept([target])
        return {"msg_id": str(secrets.randbits(40))}
