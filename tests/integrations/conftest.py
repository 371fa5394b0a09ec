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
