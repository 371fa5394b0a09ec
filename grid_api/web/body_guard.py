"""Refuse request bodies we will not read (413, 415) before any view runs."""

from __future__ import annotations

from flask import Flask, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge, UnsupportedMediaType

ACCEPTED_BODY_TYPES = frozenset({
    "application/json", "application/geo+json", "application/merge-patch+json",
    "multipart/form-data",
})
# Open311's POST Service Request is form-encoded by its standard.
FORM_BODY_PATHS = ("/open311/",)


def _has_body() -> bool:
    return bool(request.content_length) or request.headers.get("Transfer-Encoding") == "chunked"


def _check_body() -> None:
    if request.method not in {"POST", "PUT", "PATCH"} or not _has_body():
        return
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit and (request.content_length or 0) > limit:
        raise RequestEntityTooLarge
    if request.mimetype not in ACCEPTED_BODY_TYPES and not (
            request.mimetype == "application/x-www-form-urlencoded"
            and request.path.startswith(FORM_BODY_PATHS)):
        raise UnsupportedMediaType


def init_app(app: Flask) -> None:
    app.before_request(_check_body)
