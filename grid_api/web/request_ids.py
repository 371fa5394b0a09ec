"""Request ids (``X-Request-ID``) and one JSON access-log line per request."""

from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, Response, g, request

from grid_api.infra.logs import request_id_var

HEADER = "X-Request-ID"
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
access_log = logging.getLogger("grid_api.access")


def _begin() -> None:
    incoming = request.headers.get(HEADER, "")
    # Accept a caller's id for end-to-end tracing, but never echo arbitrary bytes into logs.
    g.request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
    g.request_started = time.perf_counter()
    g.request_id_token = request_id_var.set(g.request_id)


def _finish(response: Response) -> Response:
    response.headers[HEADER] = g.get("request_id", "")
    started = g.get("request_started")
    if started is not None:
        access_log.info(
            "request",
            extra={"method": request.method, "path": request.path,
                   "status": response.status_code,
                   "duration_ms": round((time.perf_counter() - started) * 1000, 2)},
        )
    return response


def _teardown(_exc: BaseException | None) -> None:
    token = g.pop("request_id_token", None)
    if token is not None:
        request_id_var.reset(token)


def init_app(app: Flask) -> None:
    app.before_request(_begin)
    app.after_request(_finish)
    app.teardown_request(_teardown)
