"""What the local stand-ins for the vendors' push endpoints share (tests and benchmarks).

Each fake checks authentication the way its vendor documents it and can be told to answer
with each documented error: ``throttle`` (rate limit, with the vendor's back-off),
``exhaust_quota`` (the day's quota is spent), ``fail`` (server error), ``expire_tokens``
(every access token issued so far is expired). Device tokens starting ``dead-`` are
unknown to the vendor (uninstalled app). ``delivered`` lists the device tokens accepted.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

Reply = tuple[int, dict[str, Any], dict[str, str]]  # status, JSON body, extra headers


class FakeVendor:
    token_lifetime = 3600  # seconds an access token lives (vendors: 1 h or 24 h)

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: list[dict[str, Any]] = []
        self.delivered: list[str] = []
        self.issued: dict[str, float] = {}  # access token -> expiry (epoch seconds)
        self.token_requests = 0
        self.throttled = 0
        self.throttle_seconds = 1
        self.quota_spent = False
        self.failures = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the vendors' servers do

            def _serve(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                url = urlsplit(self.path)
                status, body, headers = fake.handle(method, url.path, parse_qs(url.query),
                                                    self.headers, raw)
                payload = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=UTF-8")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            def do_POST(self):
                self._serve("POST")

            def do_GET(self):
                self._serve("GET")

            def log_message(self, *_args):
                return

        class Server(ThreadingHTTPServer):
            request_queue_size = 1024
            daemon_threads = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # -- what a test can ask for -------------------------------------------------------
    def throttle(self, times: int = 1, seconds: int = 1) -> None:
        """The next ``times`` sends are refused as too fast, asking for ``seconds``."""
        with self.lock:
            self.throttled, self.throttle_seconds = times, seconds

    def exhaust_quota(self, spent: bool = True) -> None:
        with self.lock:
            self.quota_spent = spent

    def fail(self, times: int = 1) -> None:
        """The next ``times`` sends meet a server error."""
        with self.lock:
            self.failures = times

    def expire_tokens(self) -> None:
        with self.lock:
            self.issued = dict.fromkeys(self.issued, 0.0)

    # -- for the subclasses -------------------------------------------------------------
    def handle(self, method: str, path: str, query: dict[str, list[str]], headers: Any,
               raw: bytes) -> Reply:
        raise NotImplementedError

    def issue_token(self) -> str:
        token = secrets.token_urlsafe(24)
        with self.lock:
            self.token_requests += 1
            self.issued[token] = time.time() + self.token_lifetime
        return token

    def token_valid(self, token: str | None) -> bool:
        with self.lock:
            return bool(token) and self.issued.get(token, 0.0) > time.time()

    def trouble(self) -> str | None:
        """The request-wide condition this send meets, if any: "fail", "throttle", "quota"."""
        with self.lock:
            if self.failures:
                self.failures -= 1
                return "fail"
            if self.throttled:
                self.throttled -= 1
                return "throttle"
            return "quota" if self.quota_spent else None

    def record(self, **entry: Any) -> None:
        with self.lock:
            self.received.append(entry)

    def accept(self, tokens: list[str]) -> None:
        with self.lock:
            self.delivered.extend(tokens)

    @staticmethod
    def form(raw: bytes) -> dict[str, str]:
        return {key: values[-1] for key, values in parse_qs(raw.decode()).items()}

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.server.shutdown()
        self.server.server_close()
