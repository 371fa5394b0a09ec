"""A local stand-in for the FCM v1 endpoint (tests and benchmarks): the real firebase-admin
SDK talks to it as it would to Google.

Token prefixes choose the answer: ``dead-`` UNREGISTERED (404), ``other-sender-``
SENDER_ID_MISMATCH (403), ``busy-`` QUOTA_EXCEEDED (429) for the first ``busy_times``
requests, ``down-`` UNAVAILABLE (503); anything else succeeds.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ERRORS = {
    "dead-": (404, "NOT_FOUND", "UNREGISTERED"),
    "other-sender-": (403, "PERMISSION_DENIED", "SENDER_ID_MISMATCH"),
    "busy-": (429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED"),
    "down-": (503, "UNAVAILABLE", None),
}


class FakeFcm:
    def __init__(self, busy_times: int = 1) -> None:
        self.received: list[dict] = []
        self.busy_left: dict[str, int] = {}
        self.busy_times = busy_times
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                status, answer = fake.answer(self.path, self.headers, body["message"])
                payload = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *_args):
                return

        class Server(ThreadingHTTPServer):
            request_queue_size = 1024  # firebase-admin opens one connection per message
            daemon_threads = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def answer(self, path: str, headers, message: dict) -> tuple[int, dict]:
        token = message.get("token") or message.get("fid")
        with self.lock:
            self.received.append({"path": path, "auth": headers.get("Authorization"),
                                  "message": message})
            for prefix, (status, state, code) in ERRORS.items():
                if not token.startswith(prefix):
                    continue
                if prefix == "busy-":
                    left = self.busy_left.setdefault(token, self.busy_times)
                    if left == 0:
                        break
                    self.busy_left[token] = left - 1
                details = ([{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
                             "errorCode": code}] if code else [])
                return status, {"error": {"code": status, "message": state, "status": state,
                                          "details": details}}
            return 200, {"name": f"projects/test/messages/{len(self.received)}"}

    def tokens_sent(self) -> list[str]:
        with self.lock:
            return [entry["message"].get("token") or entry["message"].get("fid")
                    for entry in self.received]

    def __enter__(self) -> FakeFcm:
        self.thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.server.shutdown()
        self.server.server_close()
