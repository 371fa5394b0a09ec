"""A local stand-in for Huawei Push Kit: the OAuth token endpoint, REST v1 (Android) and
REST v3 (HarmonyOS NEXT, service-account JWT checked against the account's public key)."""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

import jwt

from devenv.fake_vendor import FakeVendor, Reply

AUDIENCE = "https://oauth-login.cloud.huawei.com/oauth2/v3/token"
CATEGORIES = {"IM", "VOIP", "SUBSCRIPTION", "TRAVEL", "HEALTH", "WORK", "ACCOUNT", "EXPRESS",
              "FINANCE", "DEVICE_REMINDER", "MAIL", "MARKETING"}
MAX_TOKENS, MAX_BYTES = 1000, 4096


class FakeHuawei(FakeVendor):
    def __init__(self, app_id: str = "10086", app_secret: str = "huawei-app-secret",
                 project_id: str = "388421841221", account: dict[str, str] | None = None,
                 ) -> None:
        super().__init__()
        self.app_id, self.app_secret, self.project_id = app_id, app_secret, project_id
        self.account = account or {}  # key_id, sub_account, public_key (PEM)

    def handle(self, method: str, path: str, query, headers, raw: bytes) -> Reply:
        if path == "/oauth2/v3/token":
            return self.token(self.form(raw))
        if path == f"/v1/{self.app_id}/messages:send":
            return self.send_v1(headers, json.loads(raw))
        if path == f"/v3/{self.project_id}/messages:send":
            return self.send_v3(headers, json.loads(raw))
        return 404, {"code": "404", "msg": "not found"}, {}

    def token(self, form: dict[str, str]) -> Reply:
        if form.get("grant_type") != "client_credentials":
            return 400, {"error": 1102, "error_description": "unsupported grant_type"}, {}
        if form.get("client_id") != self.app_id or form.get("client_secret") != self.app_secret:
            return 401, {"error": 1101, "sub_error": 20152,
                         "error_description": "invalid client"}, {}
        return 200, {"access_token": self.issue_token(), "expires_in": self.token_lifetime,
                     "token_type": "Bearer"}, {}

    def send_v1(self, headers, body: dict[str, Any]) -> Reply:
        bearer = (headers.get("Authorization") or "").removeprefix("Bearer ")
        if bearer not in self.issued:
            return 401, {"code": "80200001", "msg": "Oauth Authentication error"}, {}
        if not self.token_valid(bearer):
            return 401, {"code": "80200003", "msg": "Oauth Token expired."}, {}
        message = body.get("message", {})
        android = message.get("android", {})
        notification = android.get("notification", {})
        problem = self.check(message.get("token"), message, notification.get("title"))
        if not problem and android.get("category") not in CATEGORIES:
            problem = "80100003", "Illegal payload, category"
        if not problem and not str(android.get("ttl", "")).removesuffix("s").isdigit():
            problem = "80100004", "Illegal ttl"
        return self.answer(message.get("token", []), problem, body)

    def send_v3(self, headers, body: dict[str, Any]) -> Reply:
        refused = self.check_jwt((headers.get("Authorization") or "").removeprefix("Bearer "))
        if refused:
            return refused
        if headers.get("push-type") != "0":
            return 400, {"code": "80100003", "msg": "Illegal payload, push-type"}, {}
        tokens = body.get("target", {}).get("token")
        notification = body.get("payload", {}).get("notification", {})
        problem = self.check(tokens, body.get("payload", {}), notification.get("title"))
        if not problem and notification.get("category") not in CATEGORIES:
            problem = "80100003", "Illegal payload, category"
        return self.answer(tokens or [], problem, body)

    def check_jwt(self, token: str) -> Reply | None:
        try:
            header = jwt.get_unverified_header(token)
            claims = jwt.decode(token, self.account.get("public_key", ""), algorithms=["PS256"],
                                audience=AUDIENCE, issuer=self.account.get("sub_account"),
                                options={"require": ["iss", "aud", "iat", "exp"]})
        except jwt.ExpiredSignatureError:
            return 401, {"code": "80200005", "msg": "Jwt token expired."}, {}
        except jwt.PyJWTError:
            return 401, {"code": "80200001", "msg": "Authentication Error."}, {}
        if header.get("kid") != self.account.get("key_id"):
            return 401, {"code": "80200001", "msg": "Authentication Error."}, {}
        if claims["exp"] - claims["iat"] > 86400:  # noqa: PLR2004
            return 400, {"code": "80300036", "msg": "JWT expire period over threshold."}, {}
        with self.lock:
            self.token_requests += token not in self.issued
            self.issued[token] = float(claims["exp"])
        return None

    @staticmethod
    def check(tokens, payload: dict[str, Any], title) -> tuple[str, str] | None:
        if not tokens or len(tokens) > MAX_TOKENS:
            return "80300010", f"token count should within 1 and {MAX_TOKENS}"
        if not title:
            return "80100003", "Illegal payload, title"
        without_tokens = {key: value for key, value in payload.items() if key != "token"}
        size = len(json.dumps(without_tokens, ensure_ascii=False).encode())
        if size > MAX_BYTES:
            return "80300008", "Push message size is too long"
        return None

    def answer(self, tokens: list[str], problem: tuple[str, str] | None,
               body: dict[str, Any]) -> Reply:
        self.record(body=body, at=time.time())
        request_id = secrets.token_hex(12)
        trouble = self.trouble()
        if trouble == "fail":
            return 500, {"code": "81000001", "msg": "Inner Error.", "requestId": request_id}, {}
        if trouble == "throttle":
            return 503, {"code": "80000503", "msg": "flow control"}, {}
        if problem:
            return 400, {"code": problem[0], "msg": problem[1], "requestId": request_id}, {}
        illegal = [token for token in tokens if token.startswith("dead-")]
        self.accept([token for token in tokens if token not in illegal])
        if len(illegal) == len(tokens):
            return 400, {"code": "80300007", "msg": "All the tokens are invalid",
                         "requestId": request_id}, {}
        if illegal:
            msg = json.dumps({"success": len(tokens) - len(illegal), "failure": len(illegal),
                              "illegal_tokens": illegal})
            return 200, {"code": "80100000", "msg": msg, "requestId": request_id}, {}
        return 200, {"code": "80000000", "msg": "Success", "requestId": request_id}, {}
