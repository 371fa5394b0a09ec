"""Refuse request bodies we will not read (413, 415) before any view runs.

A chunked body has no Content-Length to compare: it is read here, up to the limit (413
beyond), before anything else reads it. A request without credentials at an endpoint that
needs them is left to the view, whose 401 comes before any complaint about the body.
"""

from __future__ import annotations

import io

from flask import Flask, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge, UnsupportedMediaType

from grid_api.web import permissions

ACCEPTED_BODY_TYPES = frozenset({
    "application/json", "application/geo+json", "application/merge-patch+json",
    "multipart/form-data",
})
# Open311's POST Service Request is form-encoded by its standard.
FORM_BODY_PATHS = ("/open311/",)


def _has_body() -> bool:
    return bool(request.content_length) or request.headers.get("Transfer-Encoding") == "chunked"


def _anonymous_at_a_closed_door() -> bool:
    if request.headers.get("Authorization"):
        return False
    view = current_app.view_functions.get(request.endpoint or "")
    view_class = getattr(view, "view_class", None)
    handler = getattr(view_class, request.method.lower(), None) if view_class else view
    permission = permissions.declared_permission(handler) if handler else None
    return permission is not None and not permission.public


def _check_body() -> None:
    if request.method not in {"POST", "PUT", "PATCH"} or not _has_body():
        return
    if _anonymous_at_a_closed_door():
        return
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit and (request.content_length or 0) > limit:
        raise RequestEntityTooLarge
    if limit and request.content_length is None:
        _measure_chunked_body(limit)
    if request.mimetype not in ACCEPTED_BODY_TYPES and not (
            request.mimetype == "application/x-www-form-urlencoded"
            and request.path.startswith(FORM_BODY_PATHS)):
        raise UnsupportedMediaType


def _measure_chunked_body(limit: int) -> None:
    """Read a chunked body (where the server hands it over whole: gunicorn does) up to
    ``limit``; 413 beyond it, else the body is passed on with its length known."""
    environ = request.environ
    if not environ.get("wsgi.input_terminated"):
        return  # the server gives no chunked bodies to WSGI apps: nothing will be read
    data = environ["wsgi.input"].read(limit + 1)
    if len(data) > limit:
        raise RequestEntityTooLarge
    environ["wsgi.input"] = io.BytesIO(data)
    environ["CONTENT_LENGTH"] = str(len(data))


def init_app(app: Flask) -> None:
    app.before_request(_check_body)
