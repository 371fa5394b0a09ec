"""A real HTTP server for the tests that speak to the API from outside, as other systems do."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server


@pytest.fixture
def live_server(app, db, monkeypatch) -> Iterator[str]:
    """The app on 127.0.0.1 (one request at a time, inside the test's transaction)."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    server = make_server("127.0.0.1", 0, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


class Receiver:
    """A webhook receiver on 127.0.0.1 that can go down (its port closed) and come back on
    the same port; it records every request it answered."""

    def __init__(self, status: int = 204) -> None:
        self.status = status
        self.headers: list[tuple[str, str]] = []  # sent with every answer
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.port = 0
        self._server = None
        self._thread = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/grid"

    def _app(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length)
        headers = {key[5:].replace("_", "-").lower(): value
                   for key, value in environ.items() if key.startswith("HTTP_")}
        headers["content-type"] = environ.get("CONTENT_TYPE", "")
        self.received.append((headers, body))
        start_response(f"{self.status} Answer", [("Content-Length", "0"), *self.headers])
        return [b""]

    def start(self) -> Receiver:
        self._server = make_server("127.0.0.1", self.port, self._app, threaded=False)
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._thread.join()
            self._server.server_close()
            self._server = None


@pytest.fixture
def receiver(monkeypatch) -> Iterator[Receiver]:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    running = Receiver().start()
    try:
        yield running
    finally:
        running.stop()
